package io.accessplan.cuda.jcuda;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/** A non-blocking stream (no implicit synchronization with the legacy default stream). */
public final class CudaStream implements AutoCloseable {
    private final CUstream stream = new CUstream();
    private boolean open;

    /** Creates the stream. */
    public CudaStream() {
        Check.cu(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        open = true;
    }

    /** The JCuda handle. */
    public CUstream handle() {
        return stream;
    }

    /** Blocks until the stream is idle. */
    public void synchronize() {
        Check.cu(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Destroys the stream. */
    @Override
    public void close() {
        if (open) {
            open = false;
            Check.cu(cuStreamDestroy(stream), "cuStreamDestroy");
        }
    }
}
