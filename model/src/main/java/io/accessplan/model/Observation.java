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

    /** The backend of measured rows (the simulator's are {@code sim}). */
    public static final String CUDA = "cuda";

    /**
     * Whether the row's peak memory is the step's whole peak. A simulated (or synthetic) out-of-memory step
     * replays to its end and reports the peak it attempted; a measured one stops at the
     * allocation that failed and reports the memory held then plus that request
     * ({@code CudaBackend}: the larger of the failing request's attempted total and the
     * allocator's peak so far), a lower bound only: on the 52 out-of-memory rows of
     * {@code cuda-h100} it is 34% below the planner's peak on average (up to 84%), while on rows
     * that fit the two agree within 2%. Such a peak is neither a target nor a score.
     */
    public boolean peakIsWhole() {
        return !measurement.oom() || !measurement.backend().equals(CUDA);
    }

    /** Whether the step ran without running out of memory and has a step time. */
    public boolean fits() {
        return !measurement.oom() && Double.isFinite(measurement.stepTimeMs()) && measurement.stepTimeMs() > 0;
    }
}
