package io.accessplan.features;

/**
 * What a backend measured (or simulated) for one (workload, strategy) training step.
 *
 * @param backend          {@code sim} or {@code cuda}: a {@code sim} row is never a measurement
 * @param repeats          timed repeats behind the median
 * @param stepTimeMs       median step time in milliseconds (NaN when the run failed or ran out of memory)
 * @param stepTimeMsStdev  standard deviation of the step time over the repeats
 * @param peakMemoryBytes  peak device memory in bytes (the attempted peak when {@code oom})
 * @param oom              whether the step ran out of device memory
 * @param pcieBytes        bytes moved between host and device per step
 * @param hbmBytes         device-memory traffic of the kernels per step
 * @param flops            floating-point operations per step
 * @param recomputeFlops   of which recomputation
 * @param detail           backend detail: GEMM implementation for {@code cuda}, the error of a failed run; "" if none
 * @param energyJ          energy per step in joules: the power model's on {@code sim}, the device's energy
 *                         counter on {@code cuda}; NaN where not measured
 */
public record Measurement(String backend, int repeats, double stepTimeMs, double stepTimeMsStdev, long peakMemoryBytes,
                          boolean oom, long pcieBytes, long hbmBytes, double flops, double recomputeFlops,
                          String detail, double energyJ) {

    /** A measurement without energy (NaN): a backend or a dataset row that has none. */
    public Measurement(String backend, int repeats, double stepTimeMs, double stepTimeMsStdev, long peakMemoryBytes,
                       boolean oom, long pcieBytes, long hbmBytes, double flops, double recomputeFlops, String detail) {
        this(backend, repeats, stepTimeMs, stepTimeMsStdev, peakMemoryBytes, oom, pcieBytes, hbmBytes, flops,
                recomputeFlops, detail, Double.NaN);
    }

    /** Validates the fields. */
    public Measurement {
        if (backend == null || backend.isBlank()) {
            throw new IllegalArgumentException("Invalid backend: '" + backend + "'");
        }
        if (repeats < 0) {
            throw new IllegalArgumentException("Invalid repeats: " + repeats);
        }
        if (peakMemoryBytes < 0) {
            throw new IllegalArgumentException("Invalid peak_memory_bytes: " + peakMemoryBytes);
        }
        if (energyJ < 0) {
            throw new IllegalArgumentException("Invalid energy_j: " + energyJ);
        }
        detail = detail == null ? "" : detail;
    }
}
