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
 * @param top1WithinNoise fraction whose choice is the best, or fits and is slower than the best by
 *                       at most two standard errors of the difference,
 *                       {@code 2 sqrt(se_choice^2 + se_best^2)} with {@code se = stdev / sqrt(repeats)}
 *                       of each row's repeats: a miss the rows cannot tell from a hit. NaN where a
 *                       miss's rows carry no spread (a stdev that is not finite, or fewer than two
 *                       repeats). On simulated rows the spread is the simulator's seeded repeat noise
 *                       (a model of a GPU's, not a measurement), so there the figure says which misses
 *                       that noise model hides.
 */
public record Metrics(int workloads, double top1Accuracy, double meanRegret, double p95Regret, double oomRate,
                      double stepTimeMape, double peakMemoryMape, double top1WithinNoise) {

    /** Standard errors of the difference within which a choice counts as a hit for {@link #top1WithinNoise}. */
    public static final double NOISE_STANDARD_ERRORS = 2;

    /** The metrics without a within-noise figure (NaN): what callers that predate it build. */
    public Metrics(int workloads, double top1Accuracy, double meanRegret, double p95Regret, double oomRate,
                   double stepTimeMape, double peakMemoryMape) {
        this(workloads, top1Accuracy, meanRegret, p95Regret, oomRate, stepTimeMape, peakMemoryMape, Double.NaN);
    }

    /**
     * Whether a choice slower than the best by {@code choiceMs - bestMs} is within
     * {@link #NOISE_STANDARD_ERRORS} standard errors of the difference of the two medians, or NaN
     * (as a {@link Boolean} null) where either row has no spread to judge by.
     */
    public static Boolean withinNoise(double choiceMs, double choiceStdev, int choiceRepeats, double bestMs,
                                      double bestStdev, int bestRepeats) {
        if (!(Double.isFinite(choiceStdev) && Double.isFinite(bestStdev)) || choiceRepeats < 2 || bestRepeats < 2) {
            return null;
        }
        double se2 = choiceStdev * choiceStdev / choiceRepeats + bestStdev * bestStdev / bestRepeats;
        return choiceMs - bestMs <= NOISE_STANDARD_ERRORS * Math.sqrt(se2);
    }

    /**
     * The metrics under the {@code evaluate --json} field names; {@code top1_within_noise} only where
     * it is known.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workloads", workloads);
        m.put("top1_accuracy", top1Accuracy);
        if (!Double.isNaN(top1WithinNoise)) {   // absent where the rows cannot say it (model files keep no NaN)
            m.put("top1_within_noise", top1WithinNoise);
        }
        m.put("mean_regret", meanRegret);
        m.put("p95_regret", p95Regret);
        m.put("oom_rate", oomRate);
        m.put("step_time_mape", stepTimeMape);
        m.put("peak_memory_mape", peakMemoryMape);
        return m;
    }
}
