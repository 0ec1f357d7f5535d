package io.accessplan.model;

import io.accessplan.features.Strategy;

/**
 * What the model predicts for one strategy of a workload.
 *
 * @param strategy          the strategy
 * @param stepTimeMs        predicted step time (ms)
 * @param stepTimeLowMs     5% quantile of the step time, from cross-validated residuals
 * @param stepTimeHighMs    95% quantile of the step time
 * @param peakBytes         predicted peak device memory (bytes)
 * @param peakLowBytes      5% quantile of the peak
 * @param peakHighBytes     95% quantile of the peak
 * @param analyticPeakBytes the planner's analytic peak
 * @param requiredBytes     predicted peak with the safety margin: what must be free on the device
 * @param capacityBytes     the device's memory
 * @param fits              whether {@code requiredBytes <= capacityBytes}
 */
public record Prediction(Strategy strategy, double stepTimeMs, double stepTimeLowMs, double stepTimeHighMs,
                         double peakBytes, double peakLowBytes, double peakHighBytes, long analyticPeakBytes,
                         double requiredBytes, long capacityBytes, boolean fits) {

    /** Predicted samples per second for a batch of {@code batch} samples per step. */
    public double throughput(int batch) {
        return batch / (stepTimeMs / 1e3);
    }

    /** Device bytes left free with the safety margin applied (negative: over by that much). */
    public double headroomBytes() {
        return capacityBytes - requiredBytes;
    }
}
