package io.accessplan.cuda.jcuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;

/**
 * The device's primary context, made current on the calling thread. The primary context is the
 * one the CUDA runtime (and so cuBLAS) uses, so the driver-API kernels and cuBLAS share it.
 */
public final class CudaContext implements AutoCloseable {
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final int index;
    private boolean open;

    /** Retains the primary context of a device and makes it current. */
    public CudaContext(int index) {
        this.index = index;
        Check.cu(cuInit(0), "cuInit");
        Check.cu(cuDeviceGet(device, index), "cuDeviceGet(" + index + ")");
        Check.cu(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        open = true;
        makeCurrent();
    }

    /** Makes the context current on the calling thread. */
    public void makeCurrent() {
        Check.cu(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** The device. */
    public CUdevice device() {
        return device;
    }

    /** The device's ordinal. */
    public int index() {
        return index;
    }

    /** Releases the primary context. */
    @Override
    public void close() {
        if (open) {
            open = false;
            Check.cu(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
        }
    }
}
