// Fused (FlashAttention-style) attention: the forward pass keeps only the output and the
// fp32 log-sum-exp of each query row, never the s x s score matrix; the backward pass
// recomputes the probabilities from the log-sum-exp [1]. Written for correctness and clarity
// (one block per query row, online softmax over key chunks of ATT_CHUNK), not for speed: the
// measured time of fused attention is therefore pessimistic (see cuda/README.md).
//
// Layout: qkv is [b*s, (heads + 2*kvHeads)*hd], queries then keys then values, row = sample*s + pos;
// ctx is [b*s, heads*hd]; lse is [b, heads, s]. Query head j reads key/value head j / (heads/kvHeads)
// (grouped-query attention [2]). Backward kernels accumulate into dqkv.
//
// References: [1] T. Dao et al., FlashAttention, NeurIPS 2022, Algorithms 1 and 2.
// [2] J. Ainslie et al., GQA, EMNLP 2023.
#include "common.cuh"

#define ATT_CHUNK 128
#define ATT_MAX_HD 256

template <typename T> __device__ float dot_sh(const float* a, const T* b, int hd) {
    float s = 0.0f;
    for (int d = 0; d < hd; d++) s += a[d] * ld(b, d);
    return s;
}
template <typename T> __device__ float dot_gg(const T* a, const T* b, int hd) {
    float s = 0.0f;
    for (int d = 0; d < hd; d++) s += ld(a, d) * ld(b, d);
    return s;
}

template <typename T> __device__ void attn_fwd(const T* qkv, T* ctx, float* lse, int b, int s, int heads, int kvh,
                                               int hd, float scale, int causal) {
    __shared__ float q[ATT_MAX_HD];
    __shared__ float p[ATT_CHUNK];
    int i = blockIdx.x, j = blockIdx.y, bb = blockIdx.z, t = threadIdx.x;
    int h = heads * hd, kv = kvh * hd, width = h + 2 * kv, g = j / (heads / kvh);
    long long row = (long long)bb * s + i;
    for (int d = t; d < hd; d += blockDim.x) q[d] = ld(qkv, row * width + j * hd + d);
    __syncthreads();
    int nk = causal ? i + 1 : s;
    float m = -INFINITY, l = 0.0f, o0 = 0.0f, o1 = 0.0f;
    for (int c0 = 0; c0 < nk; c0 += ATT_CHUNK) {
        int jj = c0 + t;
        float sc = -INFINITY;
        if (jj < nk) sc = scale * dot_sh(q, qkv + ((long long)bb * s + jj) * width + h + g * hd, hd);
        float mn = fmaxf(m, block_max(sc));
        float corr = __expf(m - mn);
        float pv = jj < nk ? __expf(sc - mn) : 0.0f;
        p[t] = pv;
        l = l * corr + block_sum(pv);
        o0 *= corr;
        o1 *= corr;
        int cnt = min(ATT_CHUNK, nk - c0);
        for (int u = 0; u < cnt; u++) {
            const T* v = qkv + ((long long)bb * s + c0 + u) * width + h + kv + g * hd;
            if (t < hd) o0 += p[u] * ld(v, t);
            if (t + ATT_CHUNK < hd) o1 += p[u] * ld(v, t + ATT_CHUNK);
        }
        m = mn;
        __syncthreads();
    }
    if (t < hd) st(ctx, row * h + j * hd + t, o0 / l);
    if (t + ATT_CHUNK < hd) st(ctx, row * h + j * hd + t + ATT_CHUNK, o1 / l);
    if (t == 0) lse[((long long)bb * heads + j) * s + i] = m + logf(l);
}

/** dQ of one query row: dS_ij = P_ij (dO_i . V_j - dO_i . O_i), dQ_i = scale * sum_j dS_ij K_j. */
template <typename T> __device__ void attn_bwd_dq(const T* qkv, const T* ctx, const T* dctx, const float* lse, T* dqkv,
                                                  int b, int s, int heads, int kvh, int hd, float scale, int causal) {
    __shared__ float q[ATT_MAX_HD], dout[ATT_MAX_HD], ds[ATT_CHUNK];
    int i = blockIdx.x, j = blockIdx.y, bb = blockIdx.z, t = threadIdx.x;
    int h = heads * hd, kv = kvh * hd, width = h + 2 * kv, g = j / (heads / kvh);
    long long row = (long long)bb * s + i;
    float di = 0.0f;
    for (int d = t; d < hd; d += blockDim.x) {
        q[d] = ld(qkv, row * width + j * hd + d);
        dout[d] = ld(dctx, row * h + j * hd + d);
        di += dout[d] * ld(ctx, row * h + j * hd + d);
    }
    di = block_sum(di);
    float L = lse[((long long)bb * heads + j) * s + i];
    int nk = causal ? i + 1 : s;
    float a0 = 0.0f, a1 = 0.0f;
    for (int c0 = 0; c0 < nk; c0 += ATT_CHUNK) {
        int jj = c0 + t;
        float v = 0.0f;
        if (jj < nk) {
            long long kr = ((long long)bb * s + jj) * width;
            float pr = __expf(scale * dot_sh(q, qkv + kr + h + g * hd, hd) - L);
            v = pr * (dot_sh(dout, qkv + kr + h + kv + g * hd, hd) - di);
        }
        ds[t] = v;
        __syncthreads();
        int cnt = min(ATT_CHUNK, nk - c0);
        for (int u = 0; u < cnt; u++) {
            const T* k = qkv + ((long long)bb * s + c0 + u) * width + h + g * hd;
            if (t < hd) a0 += ds[u] * ld(k, t);
            if (t + ATT_CHUNK < hd) a1 += ds[u] * ld(k, t + ATT_CHUNK);
        }
        __syncthreads();
    }
    if (t < hd) acc(dqkv, row * width + j * hd + t, a0 * scale);
    if (t + ATT_CHUNK < hd) acc(dqkv, row * width + j * hd + t + ATT_CHUNK, a1 * scale);
}

/** dK and dV of one key row of a key/value head, summed over the query heads of its group. */
template <typename T> __device__ void attn_bwd_dkv(const T* qkv, const T* ctx, const T* dctx, const float* lse,
                                                   T* dqkv, int b, int s, int heads, int kvh, int hd, float scale,
                                                   int causal) {
    __shared__ float kk[ATT_MAX_HD], vv[ATT_MAX_HD], pp[ATT_CHUNK], ds[ATT_CHUNK];
    int jk = blockIdx.x, g = blockIdx.y, bb = blockIdx.z, t = threadIdx.x;
    int h = heads * hd, kv = kvh * hd, width = h + 2 * kv, r = heads / kvh;
    long long krow = ((long long)bb * s + jk) * width;
    for (int d = t; d < hd; d += blockDim.x) {
        kk[d] = ld(qkv, krow + h + g * hd + d);
        vv[d] = ld(qkv, krow + h + kv + g * hd + d);
    }
    __syncthreads();
    float dk0 = 0.0f, dk1 = 0.0f, dv0 = 0.0f, dv1 = 0.0f;
    for (int hq = g * r; hq < g * r + r; hq++) {
        for (int c0 = causal ? jk : 0; c0 < s; c0 += ATT_CHUNK) {
            int i = c0 + t;
            float pv = 0.0f, dsv = 0.0f;
            if (i < s) {
                long long qr = ((long long)bb * s + i) * width + hq * hd;
                long long orow = ((long long)bb * s + i) * h + hq * hd;
                pv = __expf(scale * dot_sh(kk, qkv + qr, hd) - lse[((long long)bb * heads + hq) * s + i]);
                float dp = dot_sh(vv, dctx + orow, hd);
                float di = dot_gg(dctx + orow, ctx + orow, hd);
                dsv = pv * (dp - di);
            }
            pp[t] = pv;
            ds[t] = dsv;
            __syncthreads();
            int cnt = min(ATT_CHUNK, s - c0);
            for (int u = 0; u < cnt; u++) {
                long long qr = ((long long)bb * s + c0 + u) * width + hq * hd;
                long long orow = ((long long)bb * s + c0 + u) * h + hq * hd;
                if (t < hd) {
                    dv0 += pp[u] * ld(dctx, orow + t);
                    dk0 += ds[u] * ld(qkv, qr + t);
                }
                if (t + ATT_CHUNK < hd) {
                    dv1 += pp[u] * ld(dctx, orow + t + ATT_CHUNK);
                    dk1 += ds[u] * ld(qkv, qr + t + ATT_CHUNK);
                }
            }
            __syncthreads();
        }
    }
    if (t < hd) {
        acc(dqkv, krow + h + g * hd + t, dk0 * scale);
        acc(dqkv, krow + h + kv + g * hd + t, dv0);
    }
    if (t + ATT_CHUNK < hd) {
        acc(dqkv, krow + h + g * hd + t + ATT_CHUNK, dk1 * scale);
        acc(dqkv, krow + h + kv + g * hd + t + ATT_CHUNK, dv1);
    }
}

#define ATTENTION(T, S) \
extern "C" __global__ void attn_fwd_##S(const T* qkv, T* ctx, float* lse, int b, int s, int heads, int kvh, int hd, float scale, int causal) { attn_fwd(qkv, ctx, lse, b, s, heads, kvh, hd, scale, causal); } \
extern "C" __global__ void attn_bwd_dq_##S(const T* qkv, const T* ctx, const T* dctx, const float* lse, T* dqkv, int b, int s, int heads, int kvh, int hd, float scale, int causal) { attn_bwd_dq(qkv, ctx, dctx, lse, dqkv, b, s, heads, kvh, hd, scale, causal); } \
extern "C" __global__ void attn_bwd_dkv_##S(const T* qkv, const T* ctx, const T* dctx, const float* lse, T* dqkv, int b, int s, int heads, int kvh, int hd, float scale, int causal) { attn_bwd_dkv(qkv, ctx, dctx, lse, dqkv, b, s, heads, kvh, hd, scale, causal); }

INSTANTIATE(ATTENTION)
