package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.TargetTransform;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.features.plan.Plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Observations planned and encoded once, with their targets' analytic estimates, so that every
 * fold of a cross-validation reuses them, and every report of one training run (the grouped
 * cross-validation, the measured-row protocols, leave-one-device-out) reuses one encoding and one
 * set of exact plans: pass one instance to each.
 */
public final class EncodedRows {
    final List<Observation> rows;
    /** The encoder's (estimated) plans; the exact ones, for the baselines, are {@link #exactPlans()}. */
    final List<Plan> plans;
    private List<Plan> exact;
    final List<double[]> x;
    /** The kernel-level step estimate of each row (the base of a log-ratio time target). */
    final double[] timeEstimateMs;
    final double[] analyticPeak;
    final List<String> names;

    private EncodedRows(List<Observation> rows, List<Plan> plans, List<double[]> x, double[] timeEstimateMs,
                        double[] analyticPeak, List<String> names) {
        this.rows = rows;
        this.plans = plans;
        this.x = x;
        this.timeEstimateMs = timeEstimateMs;
        this.analyticPeak = analyticPeak;
        this.names = names;
    }

    /** Plans and encodes the rows (the exact plans follow on first use). */
    public static EncodedRows of(List<Observation> rows) {
        FeatureEncoder enc = new FeatureEncoder();
        List<Analysis> as = Evaluator.analyse(rows);
        List<double[]> x = as.parallelStream().map(enc::encode).toList();
        List<Plan> plans = as.stream().map(Analysis::plan).toList();
        double[] roof = new double[rows.size()];
        double[] peak = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            roof[i] = as.get(i).step().estimateMs();
            peak[i] = plans.get(i).peakMemoryBytes();
        }
        return new EncodedRows(List.copyOf(rows), plans, x, roof, peak, enc.names());
    }

    /** The planner's exact plans, built on first use (the baselines of a report need them). */
    synchronized List<Plan> exactPlans() {
        if (exact == null) {
            exact = Evaluator.exactPlans(rows);
        }
        return exact;
    }

    int size() {
        return rows.size();
    }

    /** The strategy of every row, in order. */
    List<io.accessplan.features.Strategy> strategies() {
        return rows.stream().map(Observation::strategy).toList();
    }

    /** The rows, in order. */
    public List<Observation> rows() {
        return rows;
    }

    /**
     * The indices with every measured row ({@link MeasuredValidation#measured}) repeated
     * {@code measuredWeight} times: an integer example weight that every trainer honours alike
     * (boosting sums gradients and hessians over rows, so k copies weigh as weight k).
     */
    int[] weighted(int[] idx, int measuredWeight) {
        if (measuredWeight < 1) {
            throw new IllegalArgumentException("Invalid measured weight: " + measuredWeight + " (must be >= 1)");
        }
        if (measuredWeight == 1) {
            return idx;
        }
        return java.util.Arrays.stream(idx)
                .flatMap(i -> MeasuredValidation.measured(rows.get(i)) ? java.util.stream.IntStream.range(0,
                        measuredWeight).map(k -> i) : java.util.stream.IntStream.of(i))
                .toArray();
    }

    double stepTime(int i) {
        return rows.get(i).measurement().stepTimeMs();
    }

    double peak(int i) {
        // a measured out-of-memory peak is only a lower bound (Observation#peakIsWhole): 0 keeps it
        // out of every peak target, residual and margin, which all skip rows without a peak
        Observation o = rows.get(i);
        return o.peakIsWhole() ? o.measurement().peakMemoryBytes() : 0;
    }

    /** The measured peak of every row, in order. */
    double[] peaks() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = peak(i);
        }
        return out;
    }

    /** Indices of {@code among} usable for a target: rows that fit for step time, rows with a peak for memory. */
    int[] usable(int[] among, boolean time) {
        List<Integer> out = new ArrayList<>();
        for (int i : among) {
            if (time ? rows.get(i).fits() : peak(i) > 0) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The learned target values of some rows. */
    double[] target(int[] idx, boolean time, TargetTransform t) {
        double[] y = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            int i = idx[k];
            y[k] = time ? t.forward(stepTime(i), timeEstimateMs[i]) : t.forward(peak(i), analyticPeak[i]);
        }
        return y;
    }

    List<double[]> features(int[] idx) {
        List<double[]> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            out.add(x.get(i));
        }
        return out;
    }

    /**
     * The within-workload step-time targets of some rows (rows that fit): each row's learned value
     * ({@link #target}) less the mean of its workload's rows among {@code idx}. What is common to
     * all strategies of a workload (the job's clock and host state in a sweep, the workload-level
     * error of the estimate) cancels, so a regressor of these learns how strategies of one workload
     * differ: the ranking. See {@link StrategyModel#RANK}.
     */
    double[] relativeTarget(int[] idx, TargetTransform t) {
        return centred(idx, target(idx, true, t));
    }

    /** Values {@code y} of the rows {@code idx} (in that order), each less the mean of its workload's among them. */
    double[] centred(int[] idx, double[] y) {
        java.util.Map<String, double[]> acc = workloadSums(idx, y);
        double[] out = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            double[] a = acc.get(rows.get(idx[k]).workload().id());
            out[k] = y[k] - a[0] / a[1];
        }
        return out;
    }

    /**
     * The rows of the workload-level step-time regressor ({@link StrategyModel#LEVEL}) of some rows
     * (rows that fit): one per workload among {@code idx}, in order of first appearance, with the
     * workload's {@link StrategyModel#LEVEL_STRATEGY} feature row and the mean that
     * {@link #relativeTarget} subtracts as its target. A workload counts as often as its first row
     * appears in {@code idx} ({@link #weighted}: a measured workload's rows are repeated alike).
     */
    Levels levels(int[] idx, TargetTransform t) {
        double[] y = target(idx, true, t);
        java.util.Map<String, double[]> acc = workloadSums(idx, y);
        java.util.Map<String, Integer> first = new java.util.LinkedHashMap<>();
        java.util.Map<String, Integer> copies = new java.util.HashMap<>();
        for (int i : idx) {
            String w = rows.get(i).workload().id();
            first.putIfAbsent(w, i);
            if (first.get(w) == i) {
                copies.merge(w, 1, Integer::sum);
            }
        }
        List<double[]> x = new ArrayList<>();
        List<Double> target = new ArrayList<>();
        first.forEach((w, i) -> {
            double[] a = acc.get(w);
            for (int c = 0; c < copies.get(w); c++) {
                x.add(levelRow(i));
                target.add(a[0] / a[1]);
            }
        });
        return new Levels(x, target.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Rows and targets of the workload-level regressor ({@link #levels}). */
    record Levels(List<double[]> x, double[] y) {
    }

    /** Per workload id among {@code idx}: the sum of the values {@code y} (in the order of idx) and their count. */
    private java.util.Map<String, double[]> workloadSums(int[] idx, double[] y) {
        java.util.Map<String, double[]> acc = new java.util.HashMap<>();
        for (int k = 0; k < idx.length; k++) {
            double[] a = acc.computeIfAbsent(rows.get(idx[k]).workload().id(), x -> new double[2]);
            a[0] += y[k];
            a[1]++;
        }
        return acc;
    }

    /**
     * The feature row of row {@code i}'s workload under {@link StrategyModel#LEVEL_STRATEGY}, as a
     * lookup encodes it ({@link Analysis#of}), built on first use.
     */
    double[] levelRow(int i) {
        io.accessplan.features.Workload w = rows.get(i).workload();
        return levelRows.computeIfAbsent(w.id(), k -> new FeatureEncoder().encode(Analysis.of(w,
                StrategyModel.LEVEL_STRATEGY)));
    }

    private final java.util.concurrent.ConcurrentHashMap<String, double[]> levelRows =
            new java.util.concurrent.ConcurrentHashMap<>();
}
