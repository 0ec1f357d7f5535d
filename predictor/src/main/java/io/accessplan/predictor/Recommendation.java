package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.List;

/**
 * The answer for one workload. When nothing is predicted to fit, {@code fits} is false and the
 * strategy is the one of least predicted memory, with how far over the device it is: "does not
 * fit on this device" is an answer, not an exception.
 *
 * @param workload                 the workload asked about
 * @param strategy                 the chosen strategy
 * @param fits                     whether the chosen strategy is predicted to fit (with the safety margin)
 * @param predictedStepTimeMs      predicted step time
 * @param stepTimeLowMs            low end of the step-time interval (5% quantile of cross-validated residuals)
 * @param stepTimeHighMs           high end (95% quantile)
 * @param throughputSamplesPerSecond predicted samples per second
 * @param predictedPeakMemoryBytes predicted peak device memory
 * @param peakLowBytes             low end of the peak interval
 * @param peakHighBytes            high end of the peak interval
 * @param headroomBytes            device memory left with the safety margin applied (negative: over by that much)
 * @param alternatives             every other candidate, fastest first, with why it lost
 * @param summary                  one line for a person
 * @param throughput               samples and tokens per second, MFU and HFU of the chosen strategy at its
 *                                 predicted step time
 */
public record Recommendation(Workload workload, Strategy strategy, boolean fits, double predictedStepTimeMs,
                             double stepTimeLowMs, double stepTimeHighMs, double throughputSamplesPerSecond,
                             double predictedPeakMemoryBytes, double peakLowBytes, double peakHighBytes,
                             double headroomBytes, List<Alternative> alternatives, String summary,
                             Throughput throughput) {

    /**
     * The layers the chosen policy applies to, counted from the first: N of a partial policy
     * ({@code full:12}), the model's layers for a whole-model full, selective or offload; empty for
     * keep and sqrt, which have no count (as the dataset's {@code policy_layers}).
     */
    public java.util.OptionalInt policyLayers() {
        return strategy.policy().partial() ? java.util.OptionalInt.of(strategy.appliedLayers(workload.model().layers()))
                : java.util.OptionalInt.empty();
    }

    /** Predicted tokens per second (NaN for the {@code mlp} family, which has no tokens). */
    public double tokensPerSecond() {
        return throughput.tokensPerSecond();
    }

    /** Predicted model FLOPs utilization, a fraction: {@link Throughput}. */
    public double mfu() {
        return throughput.mfu();
    }

    /** Predicted hardware FLOPs utilization (recomputation included), a fraction: {@link Throughput}. */
    public double hfu() {
        return throughput.hfu();
    }
}
