package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.Gemm;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * A cuBLAS handle (JCublas2; needs libcublas.so.12). Row-major GEMMs are issued as the
 * column-major product {@code C^T = op(B)^T op(A)^T}, which is the same memory.
 */
public final class Cublas implements AutoCloseable {
    private final cublasHandle handle = new cublasHandle();
    private CUstream current;
    private boolean open;

    /** Creates a handle; throws (UnsatisfiedLinkError included) where cuBLAS is not usable. */
    public Cublas() {
        Check.blas(JCublas2.cublasCreate(handle), "cublasCreate");
        open = true;
    }

    /** Gives cuBLAS a workspace of our allocation, so its memory is counted like the planner counts it. */
    public void setWorkspace(DeviceMemory m) {
        Check.blas(JCublas2.cublasSetWorkspace(handle, m.ptr(), m.bytes()), "cublasSetWorkspace");
    }

    /** Runs one strided batched GEMM on a stream, fp32 accumulation. */
    public void gemm(Gemm g, CUstream stream) {
        if (current != stream) {
            Check.blas(JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
            current = stream;
        }
        int type = switch (g.type()) {
            case F32 -> cudaDataType.CUDA_R_32F;
            case F16 -> cudaDataType.CUDA_R_16F;
            case BF16 -> cudaDataType.CUDA_R_16BF;
        };
        int opB = g.transB() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opA = g.transA() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        Check.blas(JCublas2.cublasGemmStridedBatchedEx(handle, opB, opA, g.n(), g.m(), g.k(),
                Pointer.to(new float[]{g.alpha()}), ptr(g.b()), type, g.ldb(), g.strideB(),
                ptr(g.a()), type, g.lda(), g.strideA(), Pointer.to(new float[]{g.beta()}),
                ptr(g.c()), type, g.ldc(), g.strideC(), g.batch(),
                g.type() == DType.F32 ? cublasComputeType.CUBLAS_COMPUTE_32F : cublasComputeType.CUBLAS_COMPUTE_32F,
                cublasGemmAlgo.CUBLAS_GEMM_DEFAULT), "cublasGemmStridedBatchedEx " + g.m() + "x" + g.n() + "x" + g.k());
    }

    private static Pointer ptr(io.accessplan.cuda.device.DevicePtr p) {
        return ((DeviceMemory) p.buffer()).ptr().withByteOffset(p.offset());
    }

    /** Destroys the handle. */
    @Override
    public void close() {
        if (open) {
            open = false;
            Check.blas(JCublas2.cublasDestroy(handle), "cublasDestroy");
        }
    }
}
