package io.accessplan.collector;

import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.plan.Schedule;

/**
 * Executes the schedule of one training step and measures it. Implementations: the simulated GPU
 * ({@code sim}) and the real one ({@code cuda}). A run that fails (out of memory, a CUDA error) is
 * an outcome recorded in the returned {@link Measurement}, not an exception: a sweep goes on.
 */
public interface Backend extends AutoCloseable {
    /** The backend's name as written in the dataset's {@code backend} column. */
    String name();

    /**
     * Runs a schedule and measures it.
     *
     * @param schedule what to run
     * @param repeats  timed repeats (after warm-up, for a real device)
     * @param seed     seed of this run's randomness (noise, random data), so reruns are identical
     * @return the measurement, with {@code oom} set when the step did not fit
     */
    Measurement measure(Schedule schedule, int repeats, long seed);

    /** The device this backend runs on, or null when it serves any profile (the simulator). */
    default DeviceProfile localDevice() {
        return null;
    }

    /** Provenance of this backend for the dataset footer (device, driver, versions); may be empty. */
    default java.util.Map<String, String> provenance() {
        return java.util.Map.of();
    }

    /** Releases what the backend holds (a CUDA context, say). */
    @Override
    void close();
}
