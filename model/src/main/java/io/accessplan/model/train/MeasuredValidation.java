package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.TargetTransform;
import io.accessplan.model.evaluate.EvaluationReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The model judged on measured rows: what a user with a GPU gets, next to the simulated
 * cross-validation.
 *
 * <ul>
 *   <li>{@link #groupedByArchitecture}, protocol (a): K folds of the measured rows, grouped by
 *       architecture; each fold's model is trained on every simulated row and the other folds'
 *       measured rows, and predicts the fold's measured rows.</li>
 *   <li>{@link #leaveOneCardOut}, protocol (b): for each measured card ({@code DeviceProfile#card()},
 *       so the memory-capped runs of one GPU are one card), a model trained on every row not of
 *       that card (simulated rows, the other cards' measured rows and twins) predicts this card's.</li>
 * </ul>
 * As in {@link CrossValidation#leaveOneDeviceOut}: targets the options leave open are log ratios
 * to the analytic estimates, safety margins are cross-fitted (fitted on the other folds'
 * out-of-fold residuals only), choices follow the predictor's rule, and the baselines are scored
 * on the same workloads. Measured rows count {@code measuredWeight} times in every fit
 * ({@link EncodedRows#weighted}), as in the model that training writes.
 */
public final class MeasuredValidation {
    private MeasuredValidation() {
    }

    /** The backend whose rows are measurements (DESIGN.md: a backend is {@code sim} or {@code cuda}). */
    public static final String CUDA = Observation.CUDA;

    /** Whether a row was measured on a GPU rather than simulated. */
    public static boolean measured(Observation o) {
        return o.measurement().backend().equals(CUDA);
    }

    /** Whether any row was measured. */
    public static boolean anyMeasured(List<Observation> rows) {
        return rows.stream().anyMatch(MeasuredValidation::measured);
    }

    /**
     * Protocol (a). Returns the pooled report under {@code "all"}, then one per card (its rows of
     * the same out-of-fold predictions). Empty when fewer than two measured architectures exist.
     */
    public static Map<String, EvaluationReport> groupedByArchitecture(List<Observation> rows, TrainOptions o, int k,
                                                                      int measuredWeight) {
        return groupedByArchitecture(EncodedRows.of(rows), o, k, measuredWeight);
    }

    /** As {@link #groupedByArchitecture(List, TrainOptions, int, int)} on rows already encoded. */
    public static Map<String, EvaluationReport> groupedByArchitecture(EncodedRows d, TrainOptions o, int k,
                                                                      int measuredWeight) {
        List<Observation> rows = d.rows;
        int[] measured = IntStream.range(0, rows.size()).filter(i -> measured(rows.get(i))).toArray();
        List<Observation> m = Arrays.stream(measured).mapToObj(rows::get).toList();
        long archs = m.stream().map(r -> r.workload().architectureId()).distinct().count();
        if (archs < 2) {
            return Map.of();
        }
        List<CrossValidation.Fold> inMeasured = CrossValidation.grouped(m, (int) Math.min(k, archs), o.seed());
        List<CrossValidation.Fold> folds = new ArrayList<>();
        for (CrossValidation.Fold f : inMeasured) {
            int[] test = Arrays.stream(f.test()).map(j -> measured[j]).toArray();
            folds.add(complement(f.name(), rows.size(), test));
        }
        Map<String, int[]> subsets = new LinkedHashMap<>();
        subsets.put("all", measured);
        byCard(rows, measured).forEach(subsets::put);
        return evaluate(d, folds, o, subsets, measuredWeight);
    }

    /** Protocol (b): one report per measured card. Empty with fewer than two measured cards. */
    public static Map<String, EvaluationReport> leaveOneCardOut(List<Observation> rows, TrainOptions o,
                                                                int measuredWeight) {
        return leaveOneCardOut(EncodedRows.of(rows), o, measuredWeight);
    }

    /** As {@link #leaveOneCardOut(List, TrainOptions, int)} on rows already encoded. */
    public static Map<String, EvaluationReport> leaveOneCardOut(EncodedRows d, TrainOptions o, int measuredWeight) {
        List<Observation> rows = d.rows;
        int[] measured = IntStream.range(0, rows.size()).filter(i -> measured(rows.get(i))).toArray();
        Map<String, int[]> cards = byCard(rows, measured);
        if (cards.size() < 2) {
            return Map.of();
        }
        List<CrossValidation.Fold> folds = new ArrayList<>();
        cards.forEach((card, idx) -> {
            // nothing of the card trains its fold: neither its measured rows nor any simulated row
            // on its devices (its calibrated twin's, which its measured rows calibrated)
            int[] train = IntStream.range(0, rows.size())
                    .filter(i -> !rows.get(i).workload().device().card().equals(card)).toArray();
            folds.add(new CrossValidation.Fold(card, train, idx.clone()));
        });
        return evaluate(d, folds, o, cards, measuredWeight);
    }

    /** How many noise widths apart two medians may lie and still count as a tie: 2 standard deviations. */
    public static final double NOISE_SIGMAS = 2;

    /**
     * What a report's top-1 misses are made of.
     *
     * @param workloads           workloads scored
     * @param misses              workloads whose choice is not the measured best
     * @param moreWork            misses whose measured best does strictly more work than the choice
     *                            ({@link io.accessplan.model.Choice#doesLessWork}: offload or a recomputation
     *                            against keep): the predictor's rule never picks it while the choice fits
     * @param moreWorkWithinNoise of those, the ones where the choice's median is within
     *                            {@link #NOISE_SIGMAS} standard deviations (the two runs' combined) of the best's
     */
    public record Misses(int workloads, int misses, int moreWork, int moreWorkWithinNoise) {
        /** One line for the reports. */
        public String toText() {
            return String.format(java.util.Locale.ROOT, "top-1 misses: %d of %d workloads; in %d the measured best does"
                            + " strictly more work than the choice (the rule never picks it), %d of them within %.0f"
                            + " standard deviations of the choice (noise)%n", misses, workloads, moreWork,
                    moreWorkWithinNoise, NOISE_SIGMAS);
        }

        /** The figures by name, for JSON. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workloads", workloads);
            m.put("misses", misses);
            m.put("best_does_more_work", moreWork);
            m.put("best_does_more_work_within_noise", moreWorkWithinNoise);
            return m;
        }
    }

    /** The report's top-1 misses, by kind ({@link Misses}), from its workloads and measured rows. */
    public static Misses misses(EvaluationReport r) {
        Map<String, Observation> by = new java.util.HashMap<>();
        r.rows().forEach(p -> by.put(p.row().workload().id() + "|" + p.row().strategy(), p.row()));
        int misses = 0;
        int more = 0;
        int noise = 0;
        for (EvaluationReport.WorkloadResult w : r.workloads()) {
            if (w.top1()) {
                continue;
            }
            misses++;
            if (w.oom() || !io.accessplan.model.Choice.doesLessWork(w.chosen(), w.best())) {
                continue;
            }
            more++;
            Observation c = by.get(w.workload().id() + "|" + w.chosen());
            Observation b = by.get(w.workload().id() + "|" + w.best());
            if (c != null && b != null) {
                double gap = c.measurement().stepTimeMs() - b.measurement().stepTimeMs();
                double sd = Math.hypot(c.measurement().stepTimeMsStdev(), b.measurement().stepTimeMsStdev());
                if (gap <= NOISE_SIGMAS * sd) {
                    noise++;
                }
            }
        }
        return new Misses(r.workloads().size(), misses, more, noise);
    }

    private static Map<String, int[]> byCard(List<Observation> rows, int[] idx) {
        Map<String, List<Integer>> by = new TreeMap<>();
        for (int i : idx) {
            by.computeIfAbsent(rows.get(i).workload().device().card(), c -> new ArrayList<>()).add(i);
        }
        Map<String, int[]> out = new LinkedHashMap<>();
        by.forEach((c, l) -> out.put(c, l.stream().mapToInt(Integer::intValue).toArray()));
        return out;
    }

    /** A fold testing {@code test} and training on every other row. */
    private static CrossValidation.Fold complement(String name, int n, int[] test) {
        boolean[] held = new boolean[n];
        for (int i : test) {
            held[i] = true;
        }
        int[] train = IntStream.range(0, n).filter(i -> !held[i]).toArray();
        return new CrossValidation.Fold(name, train, test.clone());
    }

    private static Map<String, EvaluationReport> evaluate(EncodedRows d, List<CrossValidation.Fold> folds,
                                                          TrainOptions o, Map<String, int[]> subsets,
                                                          int measuredWeight) {
        List<CrossValidation.Fold> weighted = folds.stream()
                .map(f -> new CrossValidation.Fold(f.name(), d.weighted(f.train(), measuredWeight), f.test()))
                .toList();
        TargetTransform tt = o.timeTransform() != null ? o.timeTransform() : TargetTransform.LOG_RATIO;
        TargetTransform pt = o.peakTransform() != null ? o.peakTransform() : TargetTransform.LOG_RATIO;
        double[] t = CrossValidation.stepTimeOutOfFold(d, weighted, o, tt);
        double[] p = CrossValidation.outOfFold(d, weighted, o, false, pt);
        double[] margins = CrossValidation.crossFittedMargins(d, p, folds, o.marginQuantile());
        Map<String, EvaluationReport> out = new LinkedHashMap<>();
        subsets.forEach((name, idx) -> {
            double[] m = new double[idx.length];
            for (int k = 0; k < idx.length; k++) {
                m[k] = margins[idx[k]];
            }
            out.put(name, CrossValidation.subsetReport(d, idx, t, p, m));
        });
        return out;
    }
}
