package io.accessplan.model;

import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

/**
 * One measured (workload, strategy) step, the unit the model trains and is evaluated on. It is
 * the model's view of a dataset row ({@code io.accessplan.cli.DatasetRows} converts), kept free of the datasets
 * module so that the serving classes never load it.
 *
 * @param workload    the workload
 * @param strategy    the strategy that ran
 * @param measurement what the backend measured
 */
public record Observation(Workload workload, Strategy strategy, Measurement measurement) {

    /** Rejects a missing field. */
    public Observation {
        if (workload == null || strategy == null || measurement == null) {
            throw new IllegalArgumentException("Invalid observation: workload, strategy and measurement are required");
        }
    }

    /** Whether the step ran without running out of memory and has a step time. */
    public boolean fits() {
        return !measurement.oom() && Double.isFinite(measurement.stepTimeMs()) && measurement.stepTimeMs() > 0;
    }
}
