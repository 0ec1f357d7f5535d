package io.accessplan.cuda.device;

/**
 * A strided batched matrix multiply in row-major terms:
 * {@code C[z] = alpha * op(A[z]) op(B[z]) + beta * C[z]} for {@code z < batch}, where op(A) is
 * [m,k] (A stored [m,k] with leading dimension lda, or [k,m] when transA) and op(B) is [k,n].
 * Accumulation is fp32 whatever the element type.
 *
 * @param type    element type of A, B and C
 * @param transA  whether A is stored transposed
 * @param transB  whether B is stored transposed
 * @param m       rows of C
 * @param n       columns of C
 * @param k       inner dimension
 * @param a       A (its range covers every batch)
 * @param lda     leading dimension of A as stored
 * @param strideA elements between consecutive A matrices
 * @param b       B
 * @param ldb     leading dimension of B as stored
 * @param strideB elements between consecutive B matrices (0: one B shared by the batch)
 * @param c       C
 * @param ldc     leading dimension of C
 * @param strideC elements between consecutive C matrices
 * @param batch   number of products
 * @param alpha   scale of the product
 * @param beta    scale of C's old value (1: accumulate)
 */
public record Gemm(DType type, boolean transA, boolean transB, int m, int n, int k, DevicePtr a, int lda, long strideA,
                   DevicePtr b, int ldb, long strideB, DevicePtr c, int ldc, long strideC, int batch, float alpha,
                   float beta) implements DeviceCall {
    /** Validates the shape against the operand ranges. */
    public Gemm {
        if (m < 1 || n < 1 || k < 1 || batch < 1) {
            throw new IllegalArgumentException("Invalid GEMM shape: m " + m + ", n " + n + ", k " + k + ", batch " + batch);
        }
        check("A", a, transA ? k : m, transA ? m : k, lda, strideA, batch, type);
        check("B", b, transB ? n : k, transB ? k : n, ldb, strideB, batch, type);
        check("C", c, m, n, ldc, strideC, batch, type);
    }

    private static void check(String what, DevicePtr p, int rows, int cols, int ld, long stride, int batch, DType t) {
        if (ld < cols) {
            throw new IllegalArgumentException("Invalid GEMM leading dimension of " + what + ": " + ld + " < " + cols);
        }
        long lastElem = (long) (batch - 1) * stride + (long) (rows - 1) * ld + cols;
        if (lastElem * t.bytes() > p.length()) {
            throw new IllegalArgumentException("Invalid GEMM operand " + what + ": needs " + lastElem * t.bytes()
                    + " bytes, range has " + p.length());
        }
    }

    /** Floating-point operations of this call. */
    public double flops() {
        return 2.0 * m * n * k * batch;
    }
}
