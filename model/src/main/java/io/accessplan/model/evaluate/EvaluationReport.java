package io.accessplan.model.evaluate;

import io.accessplan.model.Choice;
import io.accessplan.model.Json;
import io.accessplan.model.Observation;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of an evaluation: the model's {@link Metrics}, each baseline's on the same workloads,
 * and the details the HTML report plots.
 *
 * @param model        the model's metrics
 * @param baselines    the baselines' metrics, keyed {@code heuristic}, {@code analytic}, {@code always-full}
 * @param safetyMargin the memory safety margin the model's choices used
 * @param rows         every row with the model's predictions
 * @param workloads    every evaluated workload with the model's choice
 * @param allOrNothing the model's metrics when it chooses among the rows without a layer count only
 *                     (the strategy space before partial policies), or null where no row has one
 */
public record EvaluationReport(Metrics model, Map<String, Metrics> baselines, double safetyMargin,
                               List<RowPrediction> rows, List<WorkloadResult> workloads, Metrics allOrNothing) {

    /** Copies the collections. */
    public EvaluationReport {
        baselines = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(baselines));
        rows = List.copyOf(rows);
        workloads = List.copyOf(workloads);
    }

    /** A report of rows without partial policies (no {@code allOrNothing} figures). */
    public EvaluationReport(Metrics model, Map<String, Metrics> baselines, double safetyMargin, List<RowPrediction> rows,
                            List<WorkloadResult> workloads) {
        this(model, baselines, safetyMargin, rows, workloads, null);
    }

    /**
     * One measured row with the model's predictions.
     *
     * @param row                 the measured row
     * @param predictedStepTimeMs predicted step time (ms)
     * @param predictedPeakBytes  predicted peak memory (bytes)
     */
    public record RowPrediction(Observation row, double predictedStepTimeMs, double predictedPeakBytes) {
    }

    /**
     * The model's choice for one workload.
     *
     * @param workload the workload
     * @param chosen   the strategy the model chose
     * @param best     the fastest strategy that truly fits
     * @param regret   time(chosen) / time(best) - 1 (NaN when the choice does not fit)
     * @param oom      whether the choice truly runs out of memory
     * @param top1     whether the choice is the best
     */
    public record WorkloadResult(Workload workload, Strategy chosen, Strategy best, double regret, boolean oom,
                                 boolean top1) {
    }

    /** The model's gain from partial policies where keep does not fit ({@link PartialGain}). */
    public PartialGain partialGain() {
        return PartialGain.of(rows, workloads);
    }

    /**
     * The {@code evaluate --json} object of DESIGN.md: the model's fields and {@code baselines},
     * and {@code partial_policies} ({@link PartialGain}).
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>(model.toMap());
        Map<String, Object> b = new LinkedHashMap<>();
        for (Map.Entry<String, Metrics> e : baselines.entrySet()) {
            b.put(e.getKey(), e.getValue().toMap());
        }
        m.put("baselines", b);
        m.put("partial_policies", partialGain().toMap());
        if (allOrNothing != null) {
            m.put("all_or_nothing", allOrNothing.toMap());
        }
        return Json.writePretty(m);
    }

    /** The metrics side by side, model first, as a plain-text table (percentages). */
    public String toTable() {
        String[] fields = {"workloads", "top1_accuracy", "top1_within_noise", "mean_regret", "p95_regret", "oom_rate", "step_time_mape",
                "peak_memory_mape"};
        Map<String, Map<String, Object>> cols = new LinkedHashMap<>();
        cols.put("model", model.toMap());
        if (allOrNothing != null) {
            cols.put("model-whole", allOrNothing.toMap());   // choosing among all-or-nothing strategies only
        }
        for (Map.Entry<String, Metrics> e : baselines.entrySet()) {
            cols.put(e.getKey(), e.getValue().toMap());
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-18s", "metric"));
        for (String c : cols.keySet()) {
            b.append(String.format(Locale.ROOT, "%13s", c));
        }
        b.append('\n');
        for (String f : fields) {
            b.append(String.format(Locale.ROOT, "%-18s", f));
            for (Map<String, Object> c : cols.values()) {
                Object v = c.get(f);
                String s;
                if (v instanceof Integer i) {
                    s = Integer.toString(i);
                } else if (v == null) {
                    s = "-";   // a figure the rows cannot say (top1_within_noise without a spread)
                } else {
                    double d = ((Number) v).doubleValue();
                    s = Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * d);
                }
                b.append(String.format(Locale.ROOT, "%13s", s));
            }
            b.append('\n');
        }
        b.append(String.format(Locale.ROOT, "safety margin on predicted peak memory: %.2f%% on average (each prediction's by how far the learned"
                + " peak corrects the analytic one); choices by the predictor's rule (physics guard, plainest within"
                + " %.0f%%)%n", 100 * safetyMargin, 100 * Choice.DEFAULT_TIE_TOLERANCE));
        PartialGain g = partialGain();
        if (g.workloads() > 0) {
            b.append(String.format(Locale.ROOT, "where keep does not fit (%d workloads): the choice is %.2f%% faster than"
                    + " the best all-or-nothing strategy on average (the best measured of the finer space: %.2f%%);"
                    + " partial policy chosen in %.1f%%, oom %.2f%%%n", g.workloads(), 100 * g.meanSpeedup(),
                    100 * g.oracleMeanSpeedup(), 100 * g.partialPicks(), 100 * g.oomRate()));
        }
        return b.toString();
    }
}
