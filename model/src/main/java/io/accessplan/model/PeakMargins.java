package io.accessplan.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * @param edges   lower edges of the bins of |ln(predicted / analytic)|, ascending, the first 0
 * @param margins the margin of each bin
 */
public record PeakMargins(double[] edges, double[] margins) {
    /** Lower edges of the bins of |ln(predicted peak / analytic peak)|. */
    static final double[] EDGES = {0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2};

    /** Rows a bin needs for its own quantile. */
    static final int MIN_ROWS = 200;

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
        edges = edges.clone();
        margins = margins.clone();
    }

    /** The margin of a prediction of {@code predictedPeak} bytes whose analytic estimate is {@code analyticPeak}. */
    public double margin(double predictedPeak, double analyticPeak) {
        return margins[bin(predictedPeak, analyticPeak)];
    }

    /**
     * Fits the margins on cross-validated predictions: for the rows given, the {@code q} quantile
     * of measured / predicted - 1 in each bin of the correction.
     */
    public static PeakMargins fit(double[] measured, double[] predicted, double[] analytic, int[] rows, double q) {
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
                    ? Math.max(0, Stats.quantile(l.stream().mapToDouble(Double::doubleValue).toArray(), q)) : prev;
            m[b] = Math.max(v, prev);
            prev = m[b];
        }
        return new PeakMargins(EDGES, m);
    }

    private int bin(double predictedPeak, double analyticPeak) {
        double c = predictedPeak > 0 && analyticPeak > 0 ? Math.abs(Math.log(predictedPeak / analyticPeak))
                : Double.POSITIVE_INFINITY;
        int b = 0;
        while (b + 1 < edges.length && c >= edges[b + 1]) {
            b++;
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeakMargins p && Arrays.equals(edges, p.edges) && Arrays.equals(margins, p.margins);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(edges) + Arrays.hashCode(margins);
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
