package io.accessplan.datasets;

import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One row of the dataset: what a backend measured (or simulated) for one strategy of one workload.
 *
 * <p>{@code collectedAt} is truncated to the millisecond when the row is built, because the
 * {@code collected_at} column is a millisecond timestamp; a row therefore equals itself read back.
 *
 * @param workload    the model, its training configuration and the device
 * @param strategy    the memory scheduling strategy that ran
 * @param measurement what the backend reported
 * @param collectedAt when the measurement was taken
 */
public record DatasetRow(Workload workload, Strategy strategy, Measurement measurement, Instant collectedAt) {

    /** The value of {@link DeviceProfile#source()} on every device read from a dataset. */
    public static final String DEVICE_SOURCE = "dataset";

    /** Rejects a missing field, naming it; truncates the timestamp to milliseconds. */
    public DatasetRow {
        if (workload == null) {
            throw new IllegalArgumentException("Invalid dataset row: workload is null");
        }
        if (strategy == null) {
            throw new IllegalArgumentException("Invalid dataset row: strategy is null");
        }
        if (measurement == null) {
            throw new IllegalArgumentException("Invalid dataset row: measurement is null");
        }
        if (collectedAt == null) {
            throw new IllegalArgumentException("Invalid dataset row: collected_at is null");
        }
        collectedAt = collectedAt.truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * This row as reading it back from a dataset yields it: the dataset stores the device's
     * numbers but not where they came from, so the device's source becomes {@value #DEVICE_SOURCE}.
     */
    public DatasetRow asStored() {
        DeviceProfile d = workload.device();
        if (DEVICE_SOURCE.equals(d.source())) {
            return this;
        }
        DeviceProfile stored = new DeviceProfile(d.name(), d.memoryBytes(), d.memBandwidthGBps(), d.tensorTflops16(),
                d.tf32Tflops(), d.fp32Tflops(), d.bf16(), d.pcieGen(), d.h2dGBps(), d.d2hGBps(), d.gemmTable(),
                DEVICE_SOURCE);
        return new DatasetRow(new Workload(workload.model(), workload.training(), stored), strategy, measurement,
                collectedAt);
    }
}
