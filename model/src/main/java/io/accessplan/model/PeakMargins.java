package io.accessplan.model;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory safety margins that depend on how far the learned peak strays from the planner's
 * analytic estimate. The error of a learned peak is far from uniform: where the model keeps the
 * estimate (a correction under 0.5%), the estimate is right and the cross-validated 97th
 * percentile of under-prediction on the simulated standard sweep is about 0.5%; where it
 * corrects the estimate by 20% or more it is about 8%. One margin for all rows is either unsafe
 * for the second kind or, near capacity, rules out the fastest strategy of the first kind, whose
 * only fitting alternatives may be many times slower (an optimizer offloaded to the host).
 *
 * <p>So the rows are binned by the size of the correction, |ln(predicted peak / analytic peak)|,
 * at {@link #EDGES}; each bin's margin is the quantile of its cross-validated under-prediction
 * (measured / predicted - 1), and margins never decrease with the correction (a bin with fewer
 * than {@link #MIN_ROWS} rows takes the margin of the bin below).
 *
 * <h2>By strategy family</h2>
 * The tail of the under-prediction also differs by strategy family ({@link #family}: the activation
 * policy, on every layer or on some): the schedules near a device's capacity that the choice rule
 * picks are often partial policies with micro-batching and a host optimizer, whose peaks the learned
 * model misses more often than the pooled quantile allows. One pooled quantile covers the average
 * family and leaves the others short. So each family gets its own margins, the same quantile of its
 * own rows' under-prediction in each bin (a bin where the family has fewer than {@link #MIN_ROWS}
 * rows takes the pooled margin of that bin; never decreasing with the correction). On the simulated
 * standard sweep (78,488 rows; grouped 5-fold CV, 150 trees, eta 0.2; every held-out fold's margins
 * fitted on the other folds' out-of-fold residuals only, 95th percentile as before), picks that do not
 * fit where keep does not fit went from 4 of 611 workloads (pooled margins) to 3, and over all 1,449
 * workloads from 0.28% to 0.21%; top-1 86.13% to 86.27%, mean regret 0.235% to 0.229%; choosing among
 * all-or-nothing strategies only, top-1 89.65% to 89.37%. The quantile was not re-chosen: the same
 * 0.95 ({@code TrainOptions.defaults()}).
 * Files written before hold no family margins and keep the pooled ones.
 *
 * @param edges    lower edges of the bins of |ln(predicted / analytic)|, ascending, the first 0
 * @param margins  the pooled margin of each bin (every strategy without margins of its family)
 * @param families per family (index {@link #familyIndex}), its margin of each bin, or null: the pooled ones
 */
public record PeakMargins(double[] edges, double[] margins, double[][] families) {
    /** Lower edges of the bins of |ln(predicted peak / analytic peak)|. */
    static final double[] EDGES = {0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2};

    /** The record's edges where they are {@link #EDGES}: never handed out ({@link #edges()} copies). */
    private static final double[] STANDARD_EDGES = EDGES.clone();

    /** Rows a bin needs for its own quantile. */
    static final int MIN_ROWS = 200;

    /** Pooled margins only (files written before margins by family). */
    public PeakMargins(double[] edges, double[] margins) {
        this(edges, margins, null);
    }

    /** Validates and copies. */
    public PeakMargins {
        if (edges == null || margins == null || edges.length == 0 || edges.length != margins.length || edges[0] != 0) {
            throw new IllegalArgumentException("Invalid peak margins: edges and margins must be non-empty, of one "
                    + "length, the first edge 0");
        }
        for (int i = 0; i < edges.length; i++) {
            if (!(margins[i] >= 0) || !Double.isFinite(margins[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
                throw new IllegalArgumentException("Invalid peak margins: bin " + i);
            }
        }
        double[][] fam = new double[2 * ActivationPolicy.values().length][];
        if (families != null) {
            if (families.length != fam.length) {
                throw new IllegalArgumentException("Invalid peak margins: " + families.length + " families, expected "
                        + fam.length);
            }
            for (int f = 0; f < fam.length; f++) {
                if (families[f] == null) {
                    continue;
                }
                if (families[f].length != edges.length) {
                    throw new IllegalArgumentException("Invalid peak margins: family " + familyName(f) + " has "
                            + families[f].length + " margins for " + edges.length + " bins");
                }
                for (double m : families[f]) {
                    if (!(m >= 0) || !Double.isFinite(m)) {
                        throw new IllegalArgumentException("Invalid peak margins: family " + familyName(f) + ": " + m);
                    }
                }
                fam[f] = families[f].clone();
            }
        }
        // the standard edges share one array, so that a bin asks which edges by identity
        edges = Arrays.equals(edges, EDGES) ? STANDARD_EDGES : edges.clone();
        margins = margins.clone();
        families = fam;
    }

    /** The lower edges of the bins (a copy). */
    @Override
    public double[] edges() {
        return edges.clone();
    }

    /** The family of a strategy: its activation policy, on every layer ({@code full}) or on some ({@code full:N}). */
    public static String family(Strategy s) {
        return familyName(familyIndex(s));
    }

    /** The index of a strategy's family in {@link #families()}. */
    public static int familyIndex(Strategy s) {
        return 2 * s.policy().ordinal() + (s.isPartial() ? 1 : 0);
    }

    private static String familyName(int f) {
        return ActivationPolicy.values()[f / 2].id() + (f % 2 == 1 ? ":N" : "");
    }

    /** The family margins by family name ({@link #family}), for the model file; families without their own left out. */
    public Map<String, double[]> familyMargins() {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (int f = 0; f < families.length; f++) {
            if (families[f] != null) {
                out.put(familyName(f), families[f].clone());
            }
        }
        return out;
    }

    /** Margins with these pooled ones and the given family margins by name ({@link #familyMargins}). */
    public static PeakMargins of(double[] edges, double[] margins, Map<String, double[]> byName) {
        double[][] fam = new double[2 * ActivationPolicy.values().length][];
        for (Map.Entry<String, double[]> e : byName.entrySet()) {
            int f = -1;
            for (int i = 0; i < fam.length; i++) {
                if (familyName(i).equals(e.getKey())) {
                    f = i;
                }
            }
            if (f < 0) {
                throw new IllegalArgumentException("Invalid peak margins: unknown strategy family '" + e.getKey() + "'");
            }
            fam[f] = e.getValue();
        }
        return new PeakMargins(edges, margins, fam);
    }

    /** The pooled margin of a prediction of {@code predictedPeak} bytes whose analytic estimate is {@code analyticPeak}. */
    public double margin(double predictedPeak, double analyticPeak) {
        return margins[bin(predictedPeak, analyticPeak)];
    }

    /** The margin of strategy {@code s}'s prediction: its family's where it has its own, else the pooled one. */
    public double margin(Strategy s, double predictedPeak, double analyticPeak) {
        double[] m = families[familyIndex(s)];
        return (m != null ? m : margins)[bin(predictedPeak, analyticPeak)];
    }

    /**
     * Fits pooled margins on cross-validated predictions: for the rows given, the {@code q} quantile
     * of measured / predicted - 1 in each bin of the correction.
     */
    public static PeakMargins fit(double[] measured, double[] predicted, double[] analytic, int[] rows, double q) {
        return new PeakMargins(EDGES, binned(measured, predicted, analytic, rows, q, null));
    }

    /**
     * Fits pooled margins and each family's ({@link #family}; {@code strategies} holds each row's
     * strategy) on cross-validated predictions of the rows given.
     */
    public static PeakMargins fit(double[] measured, double[] predicted, double[] analytic, List<Strategy> strategies,
                                  int[] rows, double q) {
        double[] pooled = binned(measured, predicted, analytic, rows, q, null);
        List<List<Integer>> byFamily = new ArrayList<>();
        for (int f = 0; f < 2 * ActivationPolicy.values().length; f++) {
            byFamily.add(new ArrayList<>());
        }
        for (int i : rows) {
            byFamily.get(familyIndex(strategies.get(i))).add(i);
        }
        double[][] fam = new double[byFamily.size()][];
        for (int f = 0; f < fam.length; f++) {
            if (!byFamily.get(f).isEmpty()) {
                fam[f] = binned(measured, predicted, analytic,
                        byFamily.get(f).stream().mapToInt(Integer::intValue).toArray(), q, pooled);
            }
        }
        return new PeakMargins(EDGES, pooled, fam);
    }

    /**
     * Per bin, the {@code q} quantile of the rows' under-prediction; a bin with fewer than
     * {@link #MIN_ROWS} rows takes {@code fallback}'s margin of the bin (null: the bin below's); never
     * decreasing.
     */
    private static double[] binned(double[] measured, double[] predicted, double[] analytic, int[] rows, double q,
                                   double[] fallback) {
        List<List<Double>> by = new ArrayList<>();
        for (int b = 0; b < EDGES.length; b++) {
            by.add(new ArrayList<>());
        }
        PeakMargins probe = new PeakMargins(EDGES, new double[EDGES.length]);
        for (int i : rows) {
            if (!(measured[i] > 0) || !(predicted[i] > 0) || !(analytic[i] > 0)) {
                continue;
            }
            by.get(probe.bin(predicted[i], analytic[i])).add(measured[i] / predicted[i] - 1);
        }
        double[] m = new double[EDGES.length];
        double prev = 0;
        for (int b = 0; b < EDGES.length; b++) {
            List<Double> l = by.get(b);
            double v = l.size() >= MIN_ROWS
                    ? Math.max(0, Stats.quantile(l.stream().mapToDouble(Double::doubleValue).toArray(), q))
                    : fallback != null ? fallback[b] : prev;
            m[b] = Math.max(v, prev);
            prev = m[b];
        }
        return m;
    }

    /** The bin {@link #margin} takes for a prediction. */
    int bin(double predictedPeak, double analyticPeak) {
        if (!(predictedPeak > 0 && analyticPeak > 0)) {
            return edges.length - 1;
        }
        double r = predictedPeak / analyticPeak;
        if (edges == STANDARD_EDGES) {
            // the standard edges: the ratio against the bounds of each edge, no logarithm
            int b = 0;
            while (b + 1 < EDGES.length && (r >= RATIO_ABOVE[b + 1] || r <= RATIO_BELOW[b + 1])) {
                b++;
            }
            return b;
        }
        return bin(Math.abs(Math.log(r)), edges);
    }

    /** The bin of a correction {@code c}: the last whose lower edge it reaches (the first where it is NaN). */
    private static int bin(double c, double[] edges) {
        int b = 0;
        while (b + 1 < edges.length && c >= edges[b + 1]) {
            b++;
        }
        return b;
    }

    /*
     * For each edge e of EDGES, the least ratio r whose Math.log(r) >= e and the greatest whose
     * Math.log(r) <= -e, so that |Math.log(r)| >= e exactly where r >= RATIO_ABOVE or r <=
     * RATIO_BELOW: Math.log is semi-monotonic (its javadoc), so each bound is where a search over the
     * positive doubles, in the order of their bits, finds the logarithm crossing the edge. A ratio
     * of NaN is in neither (bin 0, as NaN >= e is false), +infinity above every bound, 0 below.
     */
    private static final double[] RATIO_ABOVE = new double[EDGES.length];
    private static final double[] RATIO_BELOW = new double[EDGES.length];

    static {
        for (int b = 0; b < EDGES.length; b++) {
            double e = EDGES[b];
            RATIO_ABOVE[b] = leastPositive(r -> Math.log(r) >= e);
            // the greatest r with log(r) <= -e: just below the least with log(r) > -e
            RATIO_BELOW[b] = Math.nextDown(leastPositive(r -> Math.log(r) > -e));
        }
    }

    /** The least positive double (up to +infinity) where a predicate that is false below it and true from it on holds. */
    private static double leastPositive(java.util.function.DoublePredicate p) {
        long lo = 0;                                              // bits of +0.0: taken as false
        long hi = Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
        if (!p.test(Double.POSITIVE_INFINITY)) {
            return Double.POSITIVE_INFINITY;
        }
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (p.test(Double.longBitsToDouble(mid))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return Double.longBitsToDouble(hi);
    }

    /** The bin by the logarithm itself, as before the ratio bounds (the reference the tests compare with). */
    int binByLogarithm(double predictedPeak, double analyticPeak) {
        double c = predictedPeak > 0 && analyticPeak > 0 ? Math.abs(Math.log(predictedPeak / analyticPeak))
                : Double.POSITIVE_INFINITY;
        return bin(c, edges);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeakMargins p && Arrays.equals(edges, p.edges) && Arrays.equals(margins, p.margins)
                && Arrays.deepEquals(families, p.families);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(edges) + Arrays.hashCode(margins)) + Arrays.deepHashCode(families);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < edges.length; i++) {
            b.append(i > 0 ? ", " : "").append(String.format(java.util.Locale.ROOT, ">=%.1f%%: %.2f%%", 100 * edges[i],
                    100 * margins[i]));
        }
        return b.toString();
    }
}
