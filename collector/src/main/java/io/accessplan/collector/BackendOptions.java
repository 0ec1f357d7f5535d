package io.accessplan.collector;

/**
 * Settings a backend is opened with.
 *
 * @param memoryCapBytes emulate a smaller GPU: allocations past this many bytes are an {@code oom}
 *                       (0: the device's own capacity)
 * @param deviceIndex    which local GPU (cuda only)
 * @param seed           base seed of the backend's randomness
 */
public record BackendOptions(long memoryCapBytes, int deviceIndex, long seed) {
    /** Validates the fields. */
    public BackendOptions {
        if (memoryCapBytes < 0) {
            throw new IllegalArgumentException("Invalid memory cap: " + memoryCapBytes);
        }
        if (deviceIndex < 0) {
            throw new IllegalArgumentException("Invalid device index: " + deviceIndex);
        }
    }

    /** Defaults: no cap, device 0, seed 0. */
    public static BackendOptions defaults() {
        return new BackendOptions(0, 0, 0);
    }
}
