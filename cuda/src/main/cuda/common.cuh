// Shared helpers of the accessplan kernels: typed loads and stores through fp32, atomics,
// block reductions and a counter-based random number generator.
//
// Every kernel is a template over the element type T (float, __half, __nv_bfloat16) and is
// instantiated as extern "C" <name>_f32, <name>_f16 and <name>_bf16, the names the Java side
// (io.accessplan.cuda.device.Kernels) looks up. Arithmetic is always done in fp32.
//
// References: [1] J. Salmon et al., Parallel Random Numbers: As Easy as 1, 2, 3, SC 2011
// (Philox4x32-10, the generator of cuRAND and of PyTorch's dropout).
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

typedef __nv_bfloat16 bf16;

template <typename T> __device__ __forceinline__ float ld(const T* p, long long i);
template <> __device__ __forceinline__ float ld<float>(const float* p, long long i) { return p[i]; }
template <> __device__ __forceinline__ float ld<__half>(const __half* p, long long i) { return __half2float(p[i]); }
template <> __device__ __forceinline__ float ld<bf16>(const bf16* p, long long i) { return __bfloat162float(p[i]); }

template <typename T> __device__ __forceinline__ void st(T* p, long long i, float v);
template <> __device__ __forceinline__ void st<float>(float* p, long long i, float v) { p[i] = v; }
template <> __device__ __forceinline__ void st<__half>(__half* p, long long i, float v) { p[i] = __float2half(v); }
template <> __device__ __forceinline__ void st<bf16>(bf16* p, long long i, float v) { p[i] = __float2bfloat16(v); }

/** p[i] += v, in place (gradients accumulate: a tensor read by two operations gets two contributions). */
template <typename T> __device__ __forceinline__ void acc(T* p, long long i, float v) { st(p, i, ld(p, i) + v); }

template <typename T> __device__ __forceinline__ void atomic_acc(T* p, long long i, float v);
template <> __device__ __forceinline__ void atomic_acc<float>(float* p, long long i, float v) { atomicAdd(p + i, v); }
template <> __device__ __forceinline__ void atomic_acc<__half>(__half* p, long long i, float v) {
    atomicAdd(p + i, __float2half(v));
}
template <> __device__ __forceinline__ void atomic_acc<bf16>(bf16* p, long long i, float v) {
    atomicAdd(p + i, __float2bfloat16(v));
}

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)blockDim.x * gridDim.x)

/** Philox4x32-10 [1]: 10 rounds of the counter-based bijection; the same (key, counter) always gives the same bits. */
__device__ __forceinline__ uint4 philox(uint2 key, uint4 c) {
    const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
#pragma unroll
    for (int r = 0; r < 10; r++) {
        uint32_t hi0 = __umulhi(M0, c.x), lo0 = M0 * c.x;
        uint32_t hi1 = __umulhi(M1, c.z), lo1 = M1 * c.z;
        c = make_uint4(hi1 ^ c.y ^ key.x, lo1, hi0 ^ c.w ^ key.y, lo0);
        key.x += W0;
        key.y += W1;
    }
    return c;
}

/** Uniform in [0, 1) for element idx of the stream named by seed: recomputation regenerates the same value. */
__device__ __forceinline__ float uniform01(unsigned long long seed, unsigned long long idx) {
    uint4 r = philox(make_uint2((uint32_t)seed, (uint32_t)(seed >> 32)),
                     make_uint4((uint32_t)idx, (uint32_t)(idx >> 32), 0u, 0u));
    return (r.x >> 8) * (1.0f / 16777216.0f);
}

/** A label in [0, vocab) for token idx: the targets of the language-model loss, never stored. */
__device__ __forceinline__ int label_of(unsigned long long seed, unsigned long long idx, int vocab) {
    uint4 r = philox(make_uint2((uint32_t)seed, (uint32_t)(seed >> 32)),
                     make_uint4((uint32_t)idx, (uint32_t)(idx >> 32), 1u, 0u));
    return (int)(r.x % (uint32_t)vocab);
}

/** Sum over the block; every thread gets the result. blockDim.x is a multiple of 32, at most 1024. */
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float part[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) part[warp] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    v = lane < nw ? part[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

/** Maximum over the block; every thread gets the result. */
__device__ __forceinline__ float block_max(float v) {
    __shared__ float part[32];
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) part[warp] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    v = lane < nw ? part[lane] : -INFINITY;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

#define INSTANTIATE(M) M(float, f32) M(__half, f16) M(bf16, bf16)
