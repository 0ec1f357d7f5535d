package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.HostBuffer;
import jcuda.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Page-locked host memory ({@code cuMemAllocHost}), so copies run at full PCIe bandwidth and
 * asynchronously. Java reads it through views of at most 2 GiB each (the limit of a ByteBuffer).
 */
public final class PinnedMemory implements HostBuffer {
    private static final AtomicLong IDS = new AtomicLong();
    private final Pointer ptr;
    private final long bytes;
    private final long id = IDS.incrementAndGet();

    PinnedMemory(Pointer ptr, long bytes) {
        this.ptr = ptr;
        this.bytes = bytes;
    }

    /** The host pointer. */
    public Pointer ptr() {
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

    @Override
    public boolean backed() {
        return true;
    }

    @Override
    public ByteBuffer memory(long offset, int length) {
        if (offset < 0 || offset + length > bytes) {
            throw new IllegalArgumentException("Invalid host range: [" + offset + ", " + (offset + length)
                    + ") of " + bytes + " bytes");
        }
        return ptr.getByteBuffer(offset, length).order(ByteOrder.LITTLE_ENDIAN);
    }
}
