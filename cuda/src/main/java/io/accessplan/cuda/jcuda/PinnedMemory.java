package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.HostBuffer;
import jcuda.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Page-locked host memory ({@code cuMemAllocHost}), so copies run at full PCIe bandwidth and
 * asynchronously. A Java view exists up to 2 GiB (the limit of a ByteBuffer).
 */
public final class PinnedMemory implements HostBuffer {
    private static final AtomicLong IDS = new AtomicLong();
    private final Pointer ptr;
    private final long bytes;
    private final long id = IDS.incrementAndGet();
    private final ByteBuffer view;

    PinnedMemory(Pointer ptr, long bytes) {
        this.ptr = ptr;
        this.bytes = bytes;
        this.view = bytes <= Integer.MAX_VALUE ? ptr.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN) : null;
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
    public ByteBuffer memory() {
        return view;
    }
}
