package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.CudaException;
import io.accessplan.cuda.device.DeviceOutOfMemoryException;
import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;

/** The one place CUDA results are checked (JCuda's own exceptions are left disabled). */
public final class Check {
    private Check() {
    }

    /** Throws a {@link CudaException} naming the call unless the driver result is CUDA_SUCCESS. */
    public static void cu(int result, String call) {
        if (result == CUresult.CUDA_SUCCESS) {
            return;
        }
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new DeviceOutOfMemoryException(call + ": CUDA_ERROR_OUT_OF_MEMORY", -1);
        }
        throw new CudaException(call + ": " + CUresult.stringFor(result));
    }

    /** Throws a {@link CudaException} naming the call unless the cuBLAS status is CUBLAS_STATUS_SUCCESS. */
    public static void blas(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(call + ": " + cublasStatus.stringFor(status));
        }
    }
}
