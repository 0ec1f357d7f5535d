package io.accessplan.predictor;

import io.accessplan.features.Strategy;

/**
 * A candidate strategy that was not chosen, and why.
 *
 * @param strategy                 the strategy
 * @param predictedStepTimeMs      predicted step time
 * @param predictedPeakMemoryBytes predicted peak device memory
 * @param fits                     whether it is predicted to fit (with the safety margin)
 * @param whyLost                  one line: predicted not to fit, slower by how much, or a plainer tie won
 * @param throughput               samples and tokens per second, MFU and HFU at the predicted step time
 */
public record Alternative(Strategy strategy, double predictedStepTimeMs, double predictedPeakMemoryBytes, boolean fits,
                          String whyLost, Throughput throughput) {
}
