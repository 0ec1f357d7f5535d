// The project's own GEMM, used where cuBLAS does not load:
//   C[z] = alpha * op(A[z]) op(B[z]) + beta * C[z],  row-major, z < gridDim.z (strided batch),
// op(A) is [m,k] (A stored [m,k] with leading dimension lda, or [k,m] when transA),
// op(B) is [k,n] (B stored [k,n], or [n,k] when transB). Accumulation is always fp32.
// 16-bit types use tensor cores through WMMA (16x16x16 fragments, 64x64 block tile, four warps
// of 32x32); fp32 uses a classic 64x64 shared-memory tile with 4x4 outputs per thread.
// Tiles are staged in shared memory with bounds checks, so any shape and transposition works.
//
// References: [1] NVIDIA CUDA C++ Programming Guide, "Warp Matrix Functions" (wmma).
// [2] V. Volkov, J. Demmel, Benchmarking GPUs to Tune Dense Linear Algebra, SC 2008 (register tiling).
#include "common.cuh"
#include <mma.h>
using namespace nvcuda;

#define TM 64
#define TN 64
#define TK 16

template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half(v); }
template <> __device__ __forceinline__ bf16 from_float<bf16>(float v) { return __float2bfloat16(v); }

template <typename T> __device__ __forceinline__ T elem(const T* p, int trans, int ld, int r, int c, int rows, int cols) {
    if (r >= rows || c >= cols) return from_float<T>(0.0f);
    return trans ? p[(long long)c * ld + r] : p[(long long)r * ld + c];
}

template <typename T> __device__ void gemm_tc(const T* A, const T* B, T* C, int m, int n, int k, int lda, int ldb,
                                              int ldc, long long sA, long long sB, long long sC, int tA, int tB,
                                              float alpha, float beta) {
    __shared__ __align__(32) T As[TM][TK + 8];
    __shared__ __align__(32) T Bs[TK][TN + 8];
    __shared__ __align__(32) float Cs[TM][TN];
    A += blockIdx.z * sA;
    B += blockIdx.z * sB;
    C += blockIdx.z * sC;
    int row0 = blockIdx.y * TM, col0 = blockIdx.x * TN;
    int warp = threadIdx.x / 32, wr = warp / 2, wc = warp % 2;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> accf[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) wmma::fill_fragment(accf[i][j], 0.0f);
    for (int k0 = 0; k0 < k; k0 += TK) {
        for (int e = threadIdx.x; e < TM * TK; e += blockDim.x)
            As[e / TK][e % TK] = elem(A, tA, lda, row0 + e / TK, k0 + e % TK, m, k);
        for (int e = threadIdx.x; e < TK * TN; e += blockDim.x)
            Bs[e / TN][e % TN] = elem(B, tB, ldb, k0 + e / TN, col0 + e % TN, k, n);
        __syncthreads();
        for (int i = 0; i < 2; i++) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> af;
            wmma::load_matrix_sync(af, &As[wr * 32 + i * 16][0], TK + 8);
            for (int j = 0; j < 2; j++) {
                wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> bf;
                wmma::load_matrix_sync(bf, &Bs[0][wc * 32 + j * 16], TN + 8);
                wmma::mma_sync(accf[i][j], af, bf, accf[i][j]);
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(&Cs[wr * 32 + i * 16][wc * 32 + j * 16], accf[i][j], TN, wmma::mem_row_major);
    __syncthreads();
    for (int e = threadIdx.x; e < TM * TN; e += blockDim.x) {
        int r = row0 + e / TN, c = col0 + e % TN;
        if (r < m && c < n) {
            long long o = (long long)r * ldc + c;
            st(C, o, alpha * Cs[e / TN][e % TN] + (beta != 0.0f ? beta * ld(C, o) : 0.0f));
        }
    }
}

__device__ void gemm_fp32(const float* A, const float* B, float* C, int m, int n, int k, int lda, int ldb, int ldc,
                          long long sA, long long sB, long long sC, int tA, int tB, float alpha, float beta) {
    __shared__ float As[TK][TM];
    __shared__ float Bs[TK][TN];
    A += blockIdx.z * sA;
    B += blockIdx.z * sB;
    C += blockIdx.z * sC;
    int row0 = blockIdx.y * TM, col0 = blockIdx.x * TN;
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    float a[4], b[4], c[4][4] = {};
    for (int k0 = 0; k0 < k; k0 += TK) {
        for (int e = threadIdx.x; e < TM * TK; e += blockDim.x)
            As[e % TK][e / TK] = elem(A, tA, lda, row0 + e / TK, k0 + e % TK, m, k);
        for (int e = threadIdx.x; e < TK * TN; e += blockDim.x)
            Bs[e / TN][e % TN] = elem(B, tB, ldb, k0 + e / TN, col0 + e % TN, k, n);
        __syncthreads();
        for (int kk = 0; kk < TK; kk++) {
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty * 4 + i];
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx * 4 + j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) c[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int r = row0 + ty * 4 + i, cc = col0 + tx * 4 + j;
            if (r < m && cc < n) {
                long long o = (long long)r * ldc + cc;
                C[o] = alpha * c[i][j] + (beta != 0.0f ? beta * C[o] : 0.0f);
            }
        }
}

/** 256 threads per block. */
extern "C" __global__ void gemm_f32(const float* A, const float* B, float* C, int m, int n, int k, int lda, int ldb,
                                    int ldc, long long sA, long long sB, long long sC, int tA, int tB, float alpha,
                                    float beta) {
    gemm_fp32(A, B, C, m, n, k, lda, ldb, ldc, sA, sB, sC, tA, tB, alpha, beta);
}
/** 128 threads (four warps) per block. */
extern "C" __global__ void gemm_f16(const __half* A, const __half* B, __half* C, int m, int n, int k, int lda, int ldb,
                                    int ldc, long long sA, long long sB, long long sC, int tA, int tB, float alpha,
                                    float beta) {
    gemm_tc(A, B, C, m, n, k, lda, ldb, ldc, sA, sB, sC, tA, tB, alpha, beta);
}
/** 128 threads (four warps) per block. */
extern "C" __global__ void gemm_bf16(const bf16* A, const bf16* B, bf16* C, int m, int n, int k, int lda, int ldb,
                                     int ldc, long long sA, long long sB, long long sC, int tA, int tB, float alpha,
                                     float beta) {
    gemm_tc(A, B, C, m, n, k, lda, ldb, ldc, sA, sB, sC, tA, tB, alpha, beta);
}
