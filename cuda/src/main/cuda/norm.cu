// Row-wise kernels: LayerNorm and RMSNorm (forward and backward), softmax (with an optional
// causal mask) and the softmax cross-entropy loss. One block per row for the forward
// passes; the norm backward passes take NORM_ROWS rows per block so that the parameter
// gradients (sums over all rows) cost one atomic per column per block. Backward kernels
// accumulate into the input gradient (dx += ...).
//
// References: [1] J. Ba et al., Layer Normalization, arXiv:1607.06450. [2] B. Zhang,
// R. Sennrich, Root Mean Square Layer Normalization, NeurIPS 2019.
#include "common.cuh"

#define NORM_ROWS 32

template <typename T> __device__ void layernorm_fwd(const T* x, const T* gamma, const T* beta, T* y, long long rows,
                                                    int cols, float eps) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    const T* xr = x + r * cols;
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += ld(xr, j);
    float mean = block_sum(s) / cols;
    float q = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float d = ld(xr, j) - mean;
        q += d * d;
    }
    float rstd = rsqrtf(block_sum(q) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        st(y, r * cols + j, (ld(xr, j) - mean) * rstd * ld(gamma, j) + ld(beta, j));
}

template <typename T> __device__ void layernorm_bwd(const T* x, const T* gamma, const T* dy, T* dx, T* dgamma,
                                                    T* dbeta, long long rows, int cols, float eps) {
    __shared__ float mean_s[NORM_ROWS], rstd_s[NORM_ROWS];
    long long r0 = (long long)blockIdx.x * NORM_ROWS;
    int nr = (int)min((long long)NORM_ROWS, rows - r0);
    for (int i = 0; i < nr; i++) {
        const T* xr = x + (r0 + i) * cols;
        const T* dyr = dy + (r0 + i) * cols;
        float s = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) s += ld(xr, j);
        float mean = block_sum(s) / cols;
        float q = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            float d = ld(xr, j) - mean;
            q += d * d;
        }
        float rstd = rsqrtf(block_sum(q) / cols + eps);
        float a = 0.0f, b = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            float g = ld(dyr, j) * ld(gamma, j);
            a += g;
            b += g * (ld(xr, j) - mean) * rstd;
        }
        a = block_sum(a) / cols;
        b = block_sum(b) / cols;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            float xh = (ld(xr, j) - mean) * rstd;
            acc(dx, (r0 + i) * cols + j, rstd * (ld(dyr, j) * ld(gamma, j) - a - xh * b));
        }
        if (threadIdx.x == 0) {
            mean_s[i] = mean;
            rstd_s[i] = rstd;
        }
    }
    __syncthreads();
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float dg = 0.0f, db = 0.0f;
        for (int i = 0; i < nr; i++) {
            float d = ld(dy, (r0 + i) * cols + j);
            dg += d * (ld(x, (r0 + i) * cols + j) - mean_s[i]) * rstd_s[i];
            db += d;
        }
        atomic_acc(dgamma, j, dg);
        atomic_acc(dbeta, j, db);
    }
}

template <typename T> __device__ void rmsnorm_fwd(const T* x, const T* gamma, T* y, long long rows, int cols,
                                                  float eps) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    const T* xr = x + r * cols;
    float q = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) q += ld(xr, j) * ld(xr, j);
    float rstd = rsqrtf(block_sum(q) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) st(y, r * cols + j, ld(xr, j) * rstd * ld(gamma, j));
}

template <typename T> __device__ void rmsnorm_bwd(const T* x, const T* gamma, const T* dy, T* dx, T* dgamma,
                                                  long long rows, int cols, float eps) {
    __shared__ float rstd_s[NORM_ROWS];
    long long r0 = (long long)blockIdx.x * NORM_ROWS;
    int nr = (int)min((long long)NORM_ROWS, rows - r0);
    for (int i = 0; i < nr; i++) {
        const T* xr = x + (r0 + i) * cols;
        const T* dyr = dy + (r0 + i) * cols;
        float q = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) q += ld(xr, j) * ld(xr, j);
        float rstd = rsqrtf(block_sum(q) / cols + eps);
        float b = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) b += ld(dyr, j) * ld(gamma, j) * ld(xr, j) * rstd;
        b = block_sum(b) / cols;
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
            acc(dx, (r0 + i) * cols + j, rstd * (ld(dyr, j) * ld(gamma, j) - ld(xr, j) * rstd * b));
        if (threadIdx.x == 0) rstd_s[i] = rstd;
    }
    __syncthreads();
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float dg = 0.0f;
        for (int i = 0; i < nr; i++) dg += ld(dy, (r0 + i) * cols + j) * ld(x, (r0 + i) * cols + j) * rstd_s[i];
        atomic_acc(dgamma, j, dg);
    }
}

/** Row softmax; with causal set, row r is query r % seq and columns past it get probability 0. */
template <typename T> __device__ void softmax_fwd(const T* x, T* y, long long rows, int cols, int causal, int seq) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    int valid = causal ? (int)(r % seq) + 1 : cols;
    const T* xr = x + r * cols;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < valid; j += blockDim.x) m = fmaxf(m, ld(xr, j));
    m = block_max(m);
    float s = 0.0f;
    for (int j = threadIdx.x; j < valid; j += blockDim.x) s += __expf(ld(xr, j) - m);
    s = block_sum(s);
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        st(y, r * cols + j, j < valid ? __expf(ld(xr, j) - m) / s : 0.0f);
}

template <typename T> __device__ void softmax_bwd(const T* y, const T* dy, T* dx, long long rows, int cols) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += ld(y, r * cols + j) * ld(dy, r * cols + j);
    s = block_sum(s);
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        acc(dx, r * cols + j, ld(y, r * cols + j) * (ld(dy, r * cols + j) - s));
}

/**
 * Softmax cross-entropy of each row against label_of(seed, offset + row): writes the fp32
 * probabilities (kept for backward) and adds scale * (log-sum-exp - logit[label]) to loss.
 */
template <typename T> __device__ void xent_fwd(const T* logits, float* probs, float* loss, long long rows, int vocab,
                                               unsigned long long seed, unsigned long long offset, float scale) {
    long long r = blockIdx.x;
    if (r >= rows) return;
    const T* xr = logits + r * vocab;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) m = fmaxf(m, ld(xr, j));
    m = block_max(m);
    float s = 0.0f;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) s += __expf(ld(xr, j) - m);
    s = block_sum(s);
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) probs[r * vocab + j] = __expf(ld(xr, j) - m) / s;
    if (threadIdx.x == 0) {
        int label = label_of(seed, offset + r, vocab);
        atomicAdd(loss, scale * (m + logf(s) - ld(xr, label)));
    }
}

template <typename T> __device__ void xent_bwd(const float* probs, T* dlogits, long long rows, int vocab,
                                               unsigned long long seed, unsigned long long offset, float scale) {
    GRID_STRIDE(i, rows * vocab) {
        long long r = i / vocab;
        int j = (int)(i % vocab);
        float onehot = j == label_of(seed, offset + r, vocab) ? 1.0f : 0.0f;
        acc(dlogits, i, scale * (probs[i] - onehot));
    }
}

#define ROWWISE(T, S) \
extern "C" __global__ void layernorm_fwd_##S(const T* x, const T* g, const T* b, T* y, long long rows, int cols, float eps) { layernorm_fwd(x, g, b, y, rows, cols, eps); } \
extern "C" __global__ void layernorm_bwd_##S(const T* x, const T* g, const T* dy, T* dx, T* dg, T* db, long long rows, int cols, float eps) { layernorm_bwd(x, g, dy, dx, dg, db, rows, cols, eps); } \
extern "C" __global__ void rmsnorm_fwd_##S(const T* x, const T* g, T* y, long long rows, int cols, float eps) { rmsnorm_fwd(x, g, y, rows, cols, eps); } \
extern "C" __global__ void rmsnorm_bwd_##S(const T* x, const T* g, const T* dy, T* dx, T* dg, long long rows, int cols, float eps) { rmsnorm_bwd(x, g, dy, dx, dg, rows, cols, eps); } \
extern "C" __global__ void softmax_fwd_##S(const T* x, T* y, long long rows, int cols, int causal, int seq) { softmax_fwd(x, y, rows, cols, causal, seq); } \
extern "C" __global__ void softmax_bwd_##S(const T* y, const T* dy, T* dx, long long rows, int cols) { softmax_bwd(y, dy, dx, rows, cols); } \
extern "C" __global__ void xent_fwd_##S(const T* logits, float* probs, float* loss, long long rows, int vocab, unsigned long long seed, unsigned long long off, float scale) { xent_fwd(logits, probs, loss, rows, vocab, seed, off, scale); } \
extern "C" __global__ void xent_bwd_##S(const float* probs, T* dlogits, long long rows, int vocab, unsigned long long seed, unsigned long long off, float scale) { xent_bwd(probs, dlogits, rows, vocab, seed, off, scale); }

INSTANTIATE(ROWWISE)
