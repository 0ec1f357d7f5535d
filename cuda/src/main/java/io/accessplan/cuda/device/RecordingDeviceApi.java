package io.accessplan.cuda.device;

import io.accessplan.features.plan.StreamKind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A device layer with no device: it records every call in order and checks what a GPU would
 * fault on or silently corrupt: a kernel, copy or free that touches a buffer not allocated or
 * already freed, a range past a buffer's end, a wait on an event never recorded. Host buffers
 * up to {@link #HOST_BACKING_LIMIT} bytes are backed by heap memory, so the host optimizer runs.
 *
 * <p>Not thread-safe; the executor calls it from one thread.
 */
public final class RecordingDeviceApi implements DeviceApi {
    /** Largest host buffer given real memory; larger ones have none. */
    public static final long HOST_BACKING_LIMIT = 64L << 20;

    /** What a recorded call did. */
    public enum Kind {
        /** {@link #beginOp}. */
        BEGIN_OP,
        /** {@link #allocate}. */
        ALLOC,
        /** {@link #free}. */
        FREE,
        /** {@link #copyToDevice}. */
        COPY_H2D,
        /** {@link #copyToHost}. */
        COPY_D2H,
        /** {@link #zero}. */
        ZERO,
        /** {@link #launch}. */
        LAUNCH,
        /** {@link #gemm}. */
        GEMM,
        /** {@link #record(DeviceEvent, StreamKind)}. */
        RECORD,
        /** {@link #waitFor}. */
        WAIT,
        /** {@link #synchronize(DeviceEvent)}. */
        SYNC_EVENT,
        /** {@link #synchronize()}. */
        SYNC
    }

    /**
     * One recorded call.
     *
     * @param kind   what it did
     * @param stream the stream (null for host-side calls)
     * @param op     index of the schedule operation being executed ({@link #beginOp}), -1 before any
     * @param name   kernel name, operation name, or "" otherwise
     * @param bytes  bytes allocated, freed, copied or zeroed (0 otherwise)
     * @param id     buffer or event id (0 otherwise)
     */
    public record Call(Kind kind, StreamKind stream, int op, String name, long bytes, long id) {
    }

    private record Buf(long id, long bytes) implements DeviceBuffer {
    }

    private record Host(long id, long bytes, ByteBuffer heap) implements HostBuffer {
        @Override
        public boolean backed() {
            return heap != null;
        }

        @Override
        public ByteBuffer memory(long offset, int length) {
            if (heap == null) {
                return null;
            }
            return heap.duplicate().position((int) offset).limit((int) offset + length).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private record Ev(long id) implements DeviceEvent {
        @Override
        public void close() {
        }
    }

    private final List<Call> calls = new ArrayList<>();
    private final Set<Long> liveDevice = new HashSet<>();
    private final Map<Long, Long> liveHost = new HashMap<>();
    private final Set<Long> recorded = new HashSet<>();
    private final long totalBytes;
    private final String gemm;
    private long nextId = 1;
    private long liveBytes;
    private int op = -1;

    /** A recording device of the given capacity, reporting {@code gemm} as its GEMM implementation. */
    public RecordingDeviceApi(long totalBytes, String gemm) {
        this.totalBytes = totalBytes;
        this.gemm = gemm;
    }

    /** The calls so far, in order. */
    public List<Call> calls() {
        return Collections.unmodifiableList(calls);
    }

    /** Forgets the calls recorded so far (buffers stay live). */
    public void clearCalls() {
        calls.clear();
    }

    /** Device buffers allocated and not freed. */
    public int liveBuffers() {
        return liveDevice.size();
    }

    /** Host buffers allocated and not freed. */
    public int liveHostBuffers() {
        return liveHost.size();
    }

    private void add(Kind k, StreamKind s, String name, long bytes, long id) {
        calls.add(new Call(k, s, op, name, bytes, id));
    }

    private static void deviceStream(StreamKind s) {
        if (s != StreamKind.COMPUTE && s != StreamKind.COPY) {
            throw new IllegalArgumentException("Invalid device stream: " + s);
        }
    }

    private void touch(DevicePtr p, String what) {
        if (p.isNull()) {
            return;
        }
        if (!liveDevice.contains(p.buffer().id())) {
            throw new IllegalStateException(what + " touches device buffer " + p.buffer().id()
                    + " which is not allocated (op " + op + ")");
        }
    }

    @Override
    public String deviceName() {
        return "recording";
    }

    @Override
    public long totalMemoryBytes() {
        return totalBytes;
    }

    @Override
    public long freeMemoryBytes() {
        return totalBytes - liveBytes;
    }

    @Override
    public String gemmImplementation() {
        return gemm;
    }

    @Override
    public DeviceBuffer allocate(long bytes, StreamKind stream) {
        deviceStream(stream);
        if (liveBytes + bytes > totalBytes) {
            throw new DeviceOutOfMemoryException("out of memory: recording device of " + totalBytes + " bytes",
                    liveBytes + bytes);
        }
        Buf b = new Buf(nextId++, bytes);
        liveDevice.add(b.id());
        liveBytes += bytes;
        add(Kind.ALLOC, stream, "", bytes, b.id());
        return b;
    }

    @Override
    public void free(DeviceBuffer buffer, StreamKind stream) {
        deviceStream(stream);
        if (!liveDevice.remove(buffer.id())) {
            throw new IllegalStateException("free of device buffer " + buffer.id() + " which is not allocated (op "
                    + op + ")");
        }
        liveBytes -= buffer.bytes();
        add(Kind.FREE, stream, "", buffer.bytes(), buffer.id());
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        ByteBuffer mem = bytes <= HOST_BACKING_LIMIT
                ? ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN) : null;
        Host h = new Host(nextId++, bytes, mem);
        liveHost.put(h.id(), bytes);
        return h;
    }

    @Override
    public void freeHost(HostBuffer buffer) {
        if (liveHost.remove(buffer.id()) == null) {
            throw new IllegalStateException("free of host buffer " + buffer.id() + " which is not allocated");
        }
    }

    private void host(HostBuffer h, long offset, long bytes) {
        Long size = liveHost.get(h.id());
        if (size == null || offset < 0 || offset + bytes > size) {
            throw new IllegalStateException("copy outside host buffer " + h.id() + " (op " + op + ")");
        }
    }

    @Override
    public void copyToDevice(DevicePtr dst, HostBuffer src, long srcOffset, StreamKind stream) {
        deviceStream(stream);
        touch(dst, "copy to device");
        host(src, srcOffset, dst.length());
        add(Kind.COPY_H2D, stream, "", dst.length(), dst.buffer().id());
    }

    @Override
    public void copyToHost(HostBuffer dst, long dstOffset, DevicePtr src, StreamKind stream) {
        deviceStream(stream);
        touch(src, "copy to host");
        host(dst, dstOffset, src.length());
        add(Kind.COPY_D2H, stream, "", src.length(), src.buffer().id());
    }

    @Override
    public void zero(DevicePtr dst, StreamKind stream) {
        deviceStream(stream);
        touch(dst, "zero");
        add(Kind.ZERO, stream, "", dst.length(), dst.buffer().id());
    }

    @Override
    public void launch(KernelLaunch launch, StreamKind stream) {
        deviceStream(stream);
        for (DevicePtr p : launch.pointers()) {
            touch(p, "kernel " + launch.kernel());
        }
        add(Kind.LAUNCH, stream, launch.kernel(), 0, 0);
    }

    @Override
    public void gemm(Gemm g, StreamKind stream) {
        deviceStream(stream);
        touch(g.a(), "GEMM operand A");
        touch(g.b(), "GEMM operand B");
        touch(g.c(), "GEMM operand C");
        add(Kind.GEMM, stream, g.m() + "x" + g.n() + "x" + g.k() + "x" + g.batch(), 0, 0);
    }

    @Override
    public DeviceEvent createEvent() {
        return new Ev(nextId++);
    }

    @Override
    public void record(DeviceEvent event, StreamKind stream) {
        deviceStream(stream);
        recorded.add(event.id());
        add(Kind.RECORD, stream, "", 0, event.id());
    }

    @Override
    public void waitFor(StreamKind stream, DeviceEvent event) {
        deviceStream(stream);
        if (!recorded.contains(event.id())) {
            throw new IllegalStateException("wait on event " + event.id() + " never recorded (op " + op + ")");
        }
        add(Kind.WAIT, stream, "", 0, event.id());
    }

    @Override
    public void synchronize(DeviceEvent event) {
        if (!recorded.contains(event.id())) {
            throw new IllegalStateException("synchronize on event " + event.id() + " never recorded (op " + op + ")");
        }
        add(Kind.SYNC_EVENT, null, "", 0, event.id());
    }

    @Override
    public void synchronize() {
        add(Kind.SYNC, null, "", 0, 0);
    }

    @Override
    public float elapsedMs(DeviceEvent from, DeviceEvent to) {
        return 1f;   // every timed region lasts one millisecond: deterministic, positive
    }

    @Override
    public void beginOp(int index, String name) {
        op = index;
        add(Kind.BEGIN_OP, null, name, 0, index);
    }

    @Override
    public void close() {
    }
}
