package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.DeviceBuffer;
import jcuda.driver.CUdeviceptr;

import java.util.concurrent.atomic.AtomicLong;

/** A device allocation (made and released stream-ordered by {@link JCudaDeviceApi}). */
public final class DeviceMemory implements DeviceBuffer {
    private static final AtomicLong IDS = new AtomicLong();
    private final CUdeviceptr ptr;
    private final long bytes;
    private final long id = IDS.incrementAndGet();

    DeviceMemory(CUdeviceptr ptr, long bytes) {
        this.ptr = ptr;
        this.bytes = bytes;
    }

    /** The device pointer. */
    public CUdeviceptr ptr() {
        return ptr;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public long id() {
        return id;
    }
}
