package io.accessplan.cuda.device;

import io.accessplan.features.plan.StreamKind;

/**
 * What the schedule executor asks of a GPU. It owns one compute stream and one copy stream
 * (named by {@link StreamKind#COMPUTE} and {@link StreamKind#COPY}); allocations and frees are
 * stream-ordered, like {@code cuMemAllocAsync}. Implementations: {@code JCudaDeviceApi} (the real
 * device) and {@link RecordingDeviceApi} (a trace, for tests without a GPU).
 */
public interface DeviceApi extends AutoCloseable {
    /** The device's marketing name, e.g. {@code NVIDIA H100 80GB HBM3}. */
    String deviceName();

    /** Total device memory in bytes. */
    long totalMemoryBytes();

    /** Free device memory in bytes, as the driver reports it now. */
    long freeMemoryBytes();

    /** Which GEMM implementation runs: {@code cublas} or {@code ptx}. */
    String gemmImplementation();

    /** Allocates device memory, ordered on a stream; throws {@link DeviceOutOfMemoryException} when refused. */
    DeviceBuffer allocate(long bytes, StreamKind stream);

    /** Frees device memory, ordered on a stream. */
    void free(DeviceBuffer buffer, StreamKind stream);

    /** Allocates pinned host memory. */
    HostBuffer allocateHost(long bytes);

    /** Frees pinned host memory (after the streams that used it are synchronized). */
    void freeHost(HostBuffer buffer);

    /** Copies host to device on a stream. */
    void copyToDevice(DevicePtr dst, HostBuffer src, long srcOffset, StreamKind stream);

    /** Copies device to host on a stream. */
    void copyToHost(HostBuffer dst, long dstOffset, DevicePtr src, StreamKind stream);

    /** Sets a device range to zero on a stream. */
    void zero(DevicePtr dst, StreamKind stream);

    /** Launches a kernel of the shipped PTX on a stream. */
    void launch(KernelLaunch launch, StreamKind stream);

    /** Runs a GEMM (cuBLAS, or the shipped PTX GEMM) on a stream. */
    void gemm(Gemm gemm, StreamKind stream);

    /** Issues one unit of work on a stream. */
    default void issue(DeviceCall call, StreamKind stream) {
        if (call instanceof KernelLaunch l) {
            launch(l, stream);
        } else if (call instanceof Gemm g) {
            gemm(g, stream);
        } else if (call instanceof ZeroFill z) {
            zero(z.target(), stream);
        }
    }

    /** Creates an event. */
    DeviceEvent createEvent();

    /** Records an event on a stream. */
    void record(DeviceEvent event, StreamKind stream);

    /** Makes a stream wait for the last record of an event. */
    void waitFor(StreamKind stream, DeviceEvent event);

    /** Blocks the calling thread until an event has completed. */
    void synchronize(DeviceEvent event);

    /** Blocks until every stream is idle. */
    void synchronize();

    /** Milliseconds between two completed events. */
    float elapsedMs(DeviceEvent from, DeviceEvent to);

    /** Hands the GEMM library its workspace (a static tensor of the schedule); no effect without cuBLAS. */
    default void setGemmWorkspace(DeviceBuffer workspace) {
    }

    /**
     * Makes the device usable from the calling thread (a CUDA context is current per thread);
     * call it before using the layer from a thread other than the one that opened it.
     */
    default void attachThread() {
    }

    /** Marks the start of a schedule operation's work (a trace annotation; no effect on a real device). */
    default void beginOp(int index, String name) {
    }

    /** Releases the streams, modules and context. */
    @Override
    void close();
}
