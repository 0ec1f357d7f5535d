package io.accessplan.cuda.device;

import io.accessplan.features.plan.StreamKind;

/**
 * The one allocator of device memory of a run: tracks live and peak bytes, and caps capacity to
 * emulate a smaller GPU, so an allocation past the cap is that run's out-of-memory. A
 * reservation counts bytes that exist without an allocation of ours (the CUDA context), so the
 * peak is comparable with the planner's, which includes the context.
 *
 * <p>Not thread-safe: one executor drives it from one thread.
 */
public final class DeviceAllocator {
    private final DeviceApi api;
    private final long capBytes;
    private long reserved;
    private long live;
    private long peak;
    private long allocations;

    /**
     * Creates an allocator.
     *
     * @param api      the device layer
     * @param capBytes capacity in bytes (reservation included); 0 for the device's own
     */
    public DeviceAllocator(DeviceApi api, long capBytes) {
        if (capBytes < 0) {
            throw new IllegalArgumentException("Invalid memory cap: " + capBytes);
        }
        this.api = api;
        this.capBytes = capBytes == 0 ? Long.MAX_VALUE : capBytes;
    }

    /** Counts bytes that are in use without an allocation of ours (the CUDA context); may exceed the cap. */
    public void reserve(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("Invalid reservation: " + bytes);
        }
        reserved += bytes;
        checkCap(0);
        peak = Math.max(peak, reserved + live);
    }

    /** Allocates, or throws {@link DeviceOutOfMemoryException} past the cap or when the driver refuses. */
    public DeviceBuffer allocate(long bytes, StreamKind stream) {
        checkCap(bytes);
        DeviceBuffer b;
        try {
            b = api.allocate(bytes, stream);
        } catch (DeviceOutOfMemoryException e) {
            throw new DeviceOutOfMemoryException(e.getMessage(), reserved + live + bytes);
        }
        live += bytes;
        allocations++;
        peak = Math.max(peak, reserved + live);
        return b;
    }

    /** Frees a buffer of this allocator, ordered on a stream. */
    public void free(DeviceBuffer b, StreamKind stream) {
        api.free(b, stream);
        live -= b.bytes();
    }

    private void checkCap(long bytes) {
        long want = reserved + live + bytes;
        if (want > capBytes) {
            throw new DeviceOutOfMemoryException("out of memory: " + want + " bytes needed, cap " + capBytes, want);
        }
    }

    /** Bytes allocated and not freed, reservations included. */
    public long liveBytes() {
        return reserved + live;
    }

    /** Most bytes in use at once, reservations included. */
    public long peakBytes() {
        return peak;
    }

    /** Allocations made so far. */
    public long allocations() {
        return allocations;
    }

    /** The cap in bytes ({@link Long#MAX_VALUE} when none). */
    public long capBytes() {
        return capBytes;
    }
}
