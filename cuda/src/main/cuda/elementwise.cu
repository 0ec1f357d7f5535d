// Pointwise kernels: initialisation, casts, residual adds, GeLU, SwiGLU, dropout, rotary
// embedding, MSE loss, embedding gather and scatter-add, and the optimizer updates.
// Backward kernels accumulate into the gradient (dx += ...), since a tensor read by two
// operations receives two contributions; the executor zeroes a gradient when it allocates it.
//
// References: [1] D. Hendrycks, K. Gimpel, Gaussian Error Linear Units, arXiv:1606.08415 (tanh
// approximation). [2] N. Shazeer, GLU Variants Improve Transformer, arXiv:2002.05202 (SwiGLU).
// [3] J. Su et al., RoFormer, arXiv:2104.09864 (rotary embedding). [4] D. Kingma, J. Ba, Adam,
// ICLR 2015. [5] N. Srivastava et al., Dropout, JMLR 2014 (inverted scaling by 1/(1-p)).
#include "common.cuh"

extern "C" __global__ void fill_tokens(long long* ids, long long n, int vocab, unsigned long long seed,
                                       unsigned long long offset) {
    GRID_STRIDE(i, n) ids[i] = label_of(seed, offset + i, vocab);
}

template <typename T> __device__ void fill_uniform(T* x, long long n, float lo, float hi, unsigned long long seed,
                                                   unsigned long long offset) {
    GRID_STRIDE(i, n) st(x, i, lo + (hi - lo) * uniform01(seed, offset + i));
}
template <typename T> __device__ void fill_const(T* x, long long n, float v) {
    GRID_STRIDE(i, n) st(x, i, v);
}
template <typename T> __device__ void copy(const T* x, T* y, long long n) {
    GRID_STRIDE(i, n) y[i] = x[i];
}
template <typename T> __device__ void to_f32(const T* x, float* y, long long n) {
    GRID_STRIDE(i, n) y[i] = ld(x, i);
}
template <typename T> __device__ void from_f32(const float* x, T* y, long long n) {
    GRID_STRIDE(i, n) st(y, i, x[i]);
}
template <typename T> __device__ void add(const T* a, const T* b, T* y, long long n) {
    GRID_STRIDE(i, n) st(y, i, ld(a, i) + ld(b, i));
}
template <typename T> __device__ void accum(const T* dy, T* dx, long long n) {
    GRID_STRIDE(i, n) acc(dx, i, ld(dy, i));
}

__device__ __forceinline__ float gelu_tanh_arg(float x) { return 0.7978845608f * (x + 0.044715f * x * x * x); }

template <typename T> __device__ void gelu_fwd(const T* x, T* y, long long n) {
    GRID_STRIDE(i, n) {
        float v = ld(x, i);
        st(y, i, 0.5f * v * (1.0f + tanhf(gelu_tanh_arg(v))));
    }
}
template <typename T> __device__ void gelu_bwd(const T* x, const T* dy, T* dx, long long n) {
    GRID_STRIDE(i, n) {
        float v = ld(x, i);
        float t = tanhf(gelu_tanh_arg(v));
        float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * 0.7978845608f * (1.0f + 3.0f * 0.044715f * v * v);
        acc(dx, i, ld(dy, i) * d);
    }
}

/** y[r, j] = silu(gu[r, j]) * gu[r, f + j]: gate in the first f columns, up in the last f [2]. */
template <typename T> __device__ void swiglu_fwd(const T* gu, T* y, long long rows, int f) {
    GRID_STRIDE(i, rows * f) {
        long long r = i / f, j = i % f;
        float g = ld(gu, r * 2 * f + j), u = ld(gu, r * 2 * f + f + j);
        st(y, i, g / (1.0f + __expf(-g)) * u);
    }
}
template <typename T> __device__ void swiglu_bwd(const T* gu, const T* dy, T* dgu, long long rows, int f) {
    GRID_STRIDE(i, rows * f) {
        long long r = i / f, j = i % f;
        float g = ld(gu, r * 2 * f + j), u = ld(gu, r * 2 * f + f + j), d = ld(dy, i);
        float sg = 1.0f / (1.0f + __expf(-g));
        acc(dgu, r * 2 * f + j, d * u * sg * (1.0f + g * (1.0f - sg)));
        acc(dgu, r * 2 * f + f + j, d * g * sg);
    }
}

/** Inverted dropout [5]; the mask is drawn from (seed, offset + i), so a recomputation redraws it identically. */
template <typename T> __device__ void dropout_fwd(const T* x, unsigned char* mask, T* y, long long n, float p,
                                                  unsigned long long seed, unsigned long long offset) {
    float scale = 1.0f / (1.0f - p);
    GRID_STRIDE(i, n) {
        unsigned char keep = uniform01(seed, offset + i) >= p;
        mask[i] = keep;
        st(y, i, keep ? ld(x, i) * scale : 0.0f);
    }
}
template <typename T> __device__ void dropout_bwd(const unsigned char* mask, const T* dy, T* dx, long long n, float p) {
    float scale = 1.0f / (1.0f - p);
    GRID_STRIDE(i, n) acc(dx, i, mask[i] ? ld(dy, i) * scale : 0.0f);
}

/**
 * Rotary embedding [3], in place on the first rotCols columns (queries and keys) of a
 * [rows, width] matrix, pairs (2i, 2i+1) of each head of width hd; row r is position r % seq.
 * sign = -1 applies the inverse rotation, which is the backward pass (the rotation is orthogonal).
 */
template <typename T> __device__ void rope(T* x, long long rows, int seq, int width, int rotCols, int hd, float sign) {
    int pairs = rotCols / 2;
    GRID_STRIDE(i, rows * pairs) {
        long long r = i / pairs;
        int c = (int)(i % pairs) * 2;
        int d = c % hd;
        float theta = (float)(r % seq) * powf(10000.0f, -(float)d / (float)hd) * sign;
        float cs = cosf(theta), sn = sinf(theta);
        float a = ld(x, r * width + c), b = ld(x, r * width + c + 1);
        st(x, r * width + c, a * cs - b * sn);
        st(x, r * width + c + 1, a * sn + b * cs);
    }
}

/** loss += scale * sum (x - t)^2 (loss is one fp32, zeroed by the caller). */
template <typename T> __device__ void mse_fwd(const T* x, const T* t, float* loss, long long n, float scale) {
    float s = 0.0f;
    GRID_STRIDE(i, n) {
        float d = ld(x, i) - ld(t, i);
        s += d * d;
    }
    s = block_sum(s);
    if (threadIdx.x == 0) atomicAdd(loss, s * scale);
}
template <typename T> __device__ void mse_bwd(const T* x, const T* t, T* dx, long long n, float scale) {
    GRID_STRIDE(i, n) acc(dx, i, 2.0f * scale * (ld(x, i) - ld(t, i)));
}

template <typename T> __device__ void embedding_fwd(const long long* ids, const T* table, T* y, long long tok, int h) {
    GRID_STRIDE(i, tok * h) y[i] = table[ids[i / h] * h + i % h];
}
template <typename T> __device__ void embedding_bwd(const long long* ids, const T* dy, T* dtable, long long tok, int h) {
    GRID_STRIDE(i, tok * h) atomic_acc(dtable, ids[i / h] * h + i % h, ld(dy, i));
}

/**
 * Adam [4] over n parameters; master is the fp32 copy in mixed precision (null in fp32 training,
 * where w is the master). bc1, bc2 are the bias corrections 1 - beta^t. Zeroes the gradient,
 * which the next step accumulates into.
 */
template <typename T> __device__ void adam(T* w, T* g, float* m, float* v, float* master, long long n, float lr,
                                           float b1, float b2, float eps, float bc1, float bc2) {
    GRID_STRIDE(i, n) {
        float gi = ld(g, i);
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float p = master ? master[i] : ld(w, i);
        p -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
        if (master) master[i] = p;
        st(w, i, p);
        st(g, i, 0.0f);
    }
}
/** SGD with momentum; same conventions as adam. */
template <typename T> __device__ void sgd(T* w, T* g, float* mom, float* master, long long n, float lr, float momentum) {
    GRID_STRIDE(i, n) {
        float mi = momentum * mom[i] + ld(g, i);
        mom[i] = mi;
        float p = (master ? master[i] : ld(w, i)) - lr * mi;
        if (master) master[i] = p;
        st(w, i, p);
        st(g, i, 0.0f);
    }
}

#define ELEMENTWISE(T, S) \
extern "C" __global__ void fill_uniform_##S(T* x, long long n, float lo, float hi, unsigned long long seed, unsigned long long off) { fill_uniform(x, n, lo, hi, seed, off); } \
extern "C" __global__ void fill_const_##S(T* x, long long n, float v) { fill_const(x, n, v); } \
extern "C" __global__ void copy_##S(const T* x, T* y, long long n) { copy(x, y, n); } \
extern "C" __global__ void to_f32_##S(const T* x, float* y, long long n) { to_f32(x, y, n); } \
extern "C" __global__ void from_f32_##S(const float* x, T* y, long long n) { from_f32(x, y, n); } \
extern "C" __global__ void add_##S(const T* a, const T* b, T* y, long long n) { add(a, b, y, n); } \
extern "C" __global__ void accum_##S(const T* dy, T* dx, long long n) { accum(dy, dx, n); } \
extern "C" __global__ void gelu_fwd_##S(const T* x, T* y, long long n) { gelu_fwd(x, y, n); } \
extern "C" __global__ void gelu_bwd_##S(const T* x, const T* dy, T* dx, long long n) { gelu_bwd(x, dy, dx, n); } \
extern "C" __global__ void swiglu_fwd_##S(const T* gu, T* y, long long rows, int f) { swiglu_fwd(gu, y, rows, f); } \
extern "C" __global__ void swiglu_bwd_##S(const T* gu, const T* dy, T* dgu, long long rows, int f) { swiglu_bwd(gu, dy, dgu, rows, f); } \
extern "C" __global__ void dropout_fwd_##S(const T* x, unsigned char* mask, T* y, long long n, float p, unsigned long long seed, unsigned long long off) { dropout_fwd(x, mask, y, n, p, seed, off); } \
extern "C" __global__ void dropout_bwd_##S(const unsigned char* mask, const T* dy, T* dx, long long n, float p) { dropout_bwd(mask, dy, dx, n, p); } \
extern "C" __global__ void rope_##S(T* x, long long rows, int seq, int width, int rotCols, int hd, float sign) { rope(x, rows, seq, width, rotCols, hd, sign); } \
extern "C" __global__ void mse_fwd_##S(const T* x, const T* t, float* loss, long long n, float scale) { mse_fwd(x, t, loss, n, scale); } \
extern "C" __global__ void mse_bwd_##S(const T* x, const T* t, T* dx, long long n, float scale) { mse_bwd(x, t, dx, n, scale); } \
extern "C" __global__ void embedding_fwd_##S(const long long* ids, const T* table, T* y, long long tok, int h) { embedding_fwd(ids, table, y, tok, h); } \
extern "C" __global__ void embedding_bwd_##S(const long long* ids, const T* dy, T* dtable, long long tok, int h) { embedding_bwd(ids, dy, dtable, tok, h); } \
extern "C" __global__ void adam_##S(T* w, T* g, float* m, float* v, float* master, long long n, float lr, float b1, float b2, float eps, float bc1, float bc2) { adam(w, g, m, v, master, n, lr, b1, b2, eps, bc1, bc2); } \
extern "C" __global__ void sgd_##S(T* w, T* g, float* mom, float* master, long long n, float lr, float momentum) { sgd(w, g, mom, master, n, lr, momentum); }

INSTANTIATE(ELEMENTWISE)
