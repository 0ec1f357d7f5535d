package io.accessplan.model.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evaluation metrics of DESIGN.md "Evaluation protocol", all fractions. Regret statistics
 * cover the workloads whose choice truly fits (a choice that does not fit counts in
 * {@code oomRate} instead); a MAPE is NaN (written as JSON null) where the method predicts no such
 * quantity.
 *
 * @param workloads      workloads with at least one strategy that truly fits
 * @param top1Accuracy   fraction whose choice is the truly fastest fitting strategy
 * @param meanRegret     mean of time(choice) / time(best fitting) - 1
 * @param p95Regret      95th percentile (nearest rank) of the regret
 * @param oomRate        fraction whose choice does not truly fit
 * @param stepTimeMape   mean |predicted - measured| / measured step time over rows that fit
 * @param peakMemoryMape mean |predicted - measured| / measured peak memory over all rows
 */
public record Metrics(int workloads, double top1Accuracy, double meanRegret, double p95Regret, double oomRate,
                      double stepTimeMape, double peakMemoryMape) {

    /** The metrics under the {@code evaluate --json} field names. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workloads", workloads);
        m.put("top1_accuracy", top1Accuracy);
        m.put("mean_regret", meanRegret);
        m.put("p95_regret", p95Regret);
        m.put("oom_rate", oomRate);
        m.put("step_time_mape", stepTimeMape);
        m.put("peak_memory_mape", peakMemoryMape);
        return m;
    }
}
