package io.accessplan.cuda.exec;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DeviceCall;
import io.accessplan.cuda.device.DevicePtr;
import io.accessplan.cuda.device.Gemm;
import io.accessplan.cuda.device.KernelArg;
import io.accessplan.cuda.device.KernelLaunch;
import io.accessplan.cuda.device.ZeroFill;
import io.accessplan.features.Family;
import io.accessplan.features.Fnv1a;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.OpPass;
import io.accessplan.features.plan.OpTemplate;
import io.accessplan.features.plan.Tensor;

import java.util.ArrayList;
import java.util.List;

import static io.accessplan.cuda.device.KernelArg.f32;
import static io.accessplan.cuda.device.KernelArg.i32;
import static io.accessplan.cuda.device.KernelArg.i64;
import static io.accessplan.cuda.device.KernelArg.ptr;

/**
 * The operand mapping: turns one compute operation of a schedule into kernels and GEMMs on the
 * actual tensors, so that the executor computes the real forward and backward pass of the
 * network on synthetic data, and a wrong schedule (a prefetch not awaited, a recomputation of
 * the wrong tensor) shows up as wrong gradients.
 *
 * <p>An operation is identified by its name without the section prefix ({@code L3.},
 * {@code embedding.}, {@code head.}) and suffix ({@code .dgrad}, {@code .dgrad2}, {@code .wgrad},
 * {@code .bwd}). Its tensors are positional, as the planner emits them: a forward kernel reads
 * {@code inputs} and writes {@code outputs} in template order; a backward kernel reads the saved
 * tensors of its forward operation followed by the gradients of its outputs, and writes the
 * gradients of its inputs. Backward kernels and GEMMs accumulate (gradients are zeroed when
 * allocated, see {@link #onAlloc}), since a tensor read by two operations gets two
 * contributions. Weight gradients accumulate across micro-batches and are zeroed by the
 * optimizer update.
 *
 * <p>Data is synthetic and counter-based: token ids, MLP inputs and targets, dropout masks and
 * language-model labels are drawn from (seed, global element index), where the index counts
 * from the start of the step, so every strategy, whatever its micro-batching or
 * recomputation, sees the same data and draws the same masks. The loss is a mean over the
 * step's tokens, so gradients do not depend on the micro-batching either.
 */
public final class OpBinder {
    /** Threads per block of the row-wise and element-wise kernels. */
    static final int BLOCK = 256;
    /** Threads per block of the fused attention kernels (their chunk size, ATT_CHUNK in attention.cu). */
    static final int ATTENTION_BLOCK = 128;
    /** Rows per block of the norm backward kernels (NORM_ROWS in norm.cu). */
    static final int NORM_ROWS = 32;
    /** Static loss scale of fp16 training (as in mixed-precision training, Micikevicius et al. 2018). */
    static final float FP16_LOSS_SCALE = 1024f;
    static final float ADAM_LR = 1e-3f;
    static final float ADAM_B1 = 0.9f;
    static final float ADAM_B2 = 0.999f;
    static final float ADAM_EPS = 1e-8f;
    static final float SGD_LR = 1e-2f;
    static final float SGD_MOMENTUM = 0.9f;
    static final float NORM_EPS = 1e-5f;

    /** The static buffers of a run and the live tensor buffers. */
    public interface Buffers {
        /** The device buffer of a live tensor, or throws. */
        DeviceBuffer tensor(int id);

        /** The working weights. */
        DeviceBuffer weights();

        /** The weight gradients. */
        DeviceBuffer gradients();

        /** The device optimizer state, or null when it is on the host. */
        DeviceBuffer optimizerState();
    }

    private final ModelDims d;
    private final ParameterMap params;
    private final long seed;
    private final OptimizerKind optimizer;
    private final int e;

    /**
     * Creates the mapping of one schedule.
     *
     * @param d         model dimensions
     * @param params    parameter layout
     * @param optimizer the optimizer
     * @param seed      seed of the data, masks and initial weights
     */
    public OpBinder(ModelDims d, ParameterMap params, OptimizerKind optimizer, long seed) {
        this.d = d;
        this.params = params;
        this.optimizer = optimizer;
        this.seed = seed;
        this.e = d.type().bytes();
    }

    /** The loss scale gradients carry (1 except in fp16). */
    public float lossScale() {
        return d.type() == DType.F16 ? FP16_LOSS_SCALE : 1f;
    }

    // ------------------------------------------------------------------ setup

    /** Initial weights (uniform, norm scales one, norm shifts zero), zero gradients, initial optimizer state. */
    public List<DeviceCall> init(Buffers b) {
        List<DeviceCall> out = new ArrayList<>();
        long p = d.parameters();
        out.add(ew(k("fill_uniform"), p, ptr(b.weights().all()), i64(p), f32(-0.035), f32(0.035), i64(stream("weights")),
                i64(0)));
        for (ParameterMap.Slice s : params.gammas()) {
            out.add(ew(k("fill_const"), s.count(), ptr(slice(b.weights(), s)), i64(s.count()), f32(1)));
        }
        params.slices().forEach((name, s) -> {
            if (name.endsWith(".beta")) {
                out.add(ew(k("fill_const"), s.count(), ptr(slice(b.weights(), s)), i64(s.count()), f32(0)));
            }
        });
        out.add(new ZeroFill(b.gradients().all()));
        DeviceBuffer opt = b.optimizerState();
        if (opt != null) {
            out.add(new ZeroFill(opt.all()));
            if (d.type() != DType.F32) {
                DevicePtr master = opt.at(optimizer.moments() * p * 4, p * 4);
                out.add(ew(k("to_f32"), p, ptr(b.weights().all()), ptr(master), i64(p)));
            }
        }
        return out;
    }

    /** Work that follows the allocation of a tensor: zeroing a gradient or a loss, drawing input data. */
    public List<DeviceCall> onAlloc(Tensor t, int micro, DeviceBuffer buf) {
        String n = t.name();
        long tok = d.tokens();
        if (n.endsWith(".grad") || n.endsWith(".loss")) {
            return List.of(new ZeroFill(buf.all()));
        }
        if (n.endsWith(".token_ids")) {
            return List.of(ew("fill_tokens", tok, ptr(buf.all()), i64(tok), i32(d.vocab()), i64(stream("tokens")),
                    i64(micro * tok)));
        }
        if (n.endsWith(".input") || n.endsWith(".target")) {
            long count = tok * d.hidden();
            return List.of(ew(k("fill_uniform"), count, ptr(buf.all()), i64(count), f32(-1), f32(1),
                    i64(stream(n.substring(n.lastIndexOf('.') + 1))), i64(micro * count)));
        }
        return List.of();
    }

    // ------------------------------------------------------------------ operations

    /**
     * The device work of one compute operation.
     *
     * @param op    the operation (not a memory event, copy or host update)
     * @param micro index of the micro-batch, from 0
     * @param step  optimizer steps taken so far plus one (Adam's bias correction)
     * @param b     the buffers
     */
    public List<DeviceCall> bind(Op op, int micro, int step, Buffers b) {
        if (op.kind() == OpKind.OPTIMIZER) {
            return optimizer(b, step);
        }
        String name = op.name();
        OpTemplate t = op.template();
        if (t == null) {
            throw new IllegalArgumentException("No kernel mapping for operation " + name);
        }
        String pre = op.layer() >= 0 ? "L" + op.layer() + "." : "";
        Ctx c = new Ctx(op, op.pass(), pre, micro, b, new ArrayList<>());
        switch (t) {
            case LN1, RMS1 -> norm(c, pre + "norm1");
            case LN2, RMS2 -> norm(c, pre + "norm2");
            case FINAL_NORM -> norm(c, "final_norm");
            case QKV, ATTN_PROJ, MLP_FC1, MLP_FC2, MLP_GATE_UP, MLP_DOWN, LINEAR, LM_HEAD -> weightGemm(c, t.id());
            case ATTN_SCORES -> scores(c);
            case ATTN_PV -> pv(c);
            case ATTN_FUSED -> fused(c);
            case ATTN_SOFTMAX -> softmax(c);
            case ATTN_DROPOUT, ATTN_PROJ_DROPOUT, MLP_DROPOUT, EMBEDDING_DROPOUT -> dropout(c, name);
            case RESIDUAL1, RESIDUAL2 -> residual(c);
            case MLP_GELU, GELU -> gelu(c);
            case MLP_SWIGLU -> swiglu(c);
            case ROPE -> rope(c);
            case EMBEDDING -> embedding(c);
            case INPUT_CAST -> cast(c);
            case LOSS_CROSS_ENTROPY -> crossEntropy(c);
            case LOSS_MSE -> mse(c);
            default -> throw new IllegalArgumentException("No kernel mapping for operation " + name);
        }
        return c.out;
    }

    private record Ctx(Op op, OpPass pass, String pre, int micro, Buffers b, List<DeviceCall> out) {
        DevicePtr in(int i, int expected) {
            return pick(op.inputs(), i, expected, "inputs");
        }

        DevicePtr outp(int i, int expected) {
            return pick(op.outputs(), i, expected, "outputs");
        }

        DeviceBuffer inBuf(int i, int expected) {
            return in(i, expected).buffer();
        }

        DevicePtr pick(int[] ids, int i, int expected, String what) {
            if (ids.length != expected) {
                throw new IllegalStateException("operation " + op.name() + " has " + ids.length + " " + what
                        + ", its kernel expects " + expected);
            }
            return b.tensor(ids[i]).all();
        }

        void add(DeviceCall call) {
            out.add(call);
        }
    }

    private void norm(Ctx c, String param) {
        long rows = d.tokens();
        int h = d.hidden();
        DevicePtr gamma = slice(c.b.weights(), params.get(param + ".gamma"));
        DevicePtr beta = d.rmsNorm() ? null : slice(c.b.weights(), params.get(param + ".beta"));
        if (c.pass == OpPass.FORWARD) {
            DevicePtr x = c.in(0, 1);
            DevicePtr y = c.outp(0, 1);
            c.add(d.rmsNorm()
                    ? rows(k("rmsnorm_fwd"), rows, ptr(x), ptr(gamma), ptr(y), i64(rows), i32(h), f32(NORM_EPS))
                    : rows(k("layernorm_fwd"), rows, ptr(x), ptr(gamma), ptr(beta), ptr(y), i64(rows), i32(h),
                    f32(NORM_EPS)));
        } else {
            DevicePtr x = c.in(0, 2);
            DevicePtr dy = c.in(1, 2);
            DevicePtr dx = c.outp(0, 1);
            DevicePtr dgamma = slice(c.b.gradients(), params.get(param + ".gamma"));
            int grid = (int) ((rows + NORM_ROWS - 1) / NORM_ROWS);
            c.add(d.rmsNorm()
                    ? new KernelLaunch(k("rmsnorm_bwd"), grid, 1, 1, BLOCK, List.of(ptr(x), ptr(gamma), ptr(dy),
                    ptr(dx), ptr(dgamma), i64(rows), i32(h), f32(NORM_EPS)))
                    : new KernelLaunch(k("layernorm_bwd"), grid, 1, 1, BLOCK, List.of(ptr(x), ptr(gamma), ptr(dy),
                    ptr(dx), ptr(dgamma), ptr(slice(c.b.gradients(), params.get(param + ".beta"))), i64(rows),
                    i32(h), f32(NORM_EPS))));
        }
    }

    /** C[m,n] = A[m,k] W[k,n]; GPT and BERT's lm_head multiplies by the embedding [v,h] transposed. */
    private void weightGemm(Ctx c, String base) {
        Op op = c.op;
        boolean tied = base.equals("lm_head") && d.family() != Family.LLAMA;
        ParameterMap.Slice s = params.get(tied ? "embedding" : c.pre + base);
        DevicePtr w = slice(c.b.weights(), s);
        DevicePtr gw = slice(c.b.gradients(), s);
        DType t = d.type();
        switch (c.pass) {
            case FORWARD -> {
                int m = op.m(), n = op.n(), kk = op.k();
                c.add(new Gemm(t, false, tied, m, n, kk, c.in(0, 1), kk, 0, w, tied ? kk : n, 0, c.outp(0, 1), n, 0,
                        1, 1f, 0f));
            }
            case DGRAD -> {   // dX[M,K] += dY[M,N] W^T, emitted as (M, K, N)
                int m = op.m(), kd = op.n(), n = op.k();
                c.add(new Gemm(t, false, !tied, m, kd, n, c.in(1, 2), n, 0, w, tied ? kd : n, 0, c.outp(0, 1), kd, 0,
                        1, 1f, 1f));
            }
            case WGRAD -> {   // dW[K,N] += X^T dY, emitted as (K, N, M)
                int kd = op.m(), n = op.n(), m = op.k();
                if (tied) {   // dE[N,K] += dY^T X
                    c.add(new Gemm(t, true, false, n, kd, m, c.in(1, 2), n, 0, c.in(0, 2), kd, 0, gw, kd, 0, 1, 1f,
                            1f));
                } else {
                    c.add(new Gemm(t, true, false, kd, n, m, c.in(0, 2), kd, 0, c.in(1, 2), n, 0, gw, n, 0, 1, 1f,
                            1f));
                }
            }
            default -> throw new IllegalArgumentException("No kernel mapping for operation " + op.name());
        }
    }

    /** Heads issued together in one strided batched GEMM, with the key/value head of the first one. */
    private record Heads(int first, int count, int kvHead, long kvStride) {
    }

    /**
     * Groups of query heads for batched GEMMs. Without grouped-query attention all heads of a
     * sample go in one call; with it, the heads sharing a key/value head go together (stride 0
     * on K or V), or one by one when they accumulate into that shared head's gradient.
     */
    private List<Heads> heads(boolean accumulateIntoKv) {
        int r = d.heads() / d.kvHeads();
        List<Heads> out = new ArrayList<>();
        if (r == 1) {
            out.add(new Heads(0, d.heads(), 0, d.headDim()));
        } else if (!accumulateIntoKv) {
            for (int g = 0; g < d.kvHeads(); g++) {
                out.add(new Heads(g * r, r, g, 0));
            }
        } else {
            for (int j = 0; j < d.heads(); j++) {
                out.add(new Heads(j, 1, j / r, 0));
            }
        }
        return out;
    }

    private DevicePtr from(DevicePtr p, long elem) {
        return p.buffer().at(p.offset() + elem * e, p.length() - elem * e);
    }

    private long qOff(int sample, int head) {
        return (long) sample * d.seq() * d.qkvWidth() + (long) head * d.headDim();
    }

    private long kOff(int sample, int kvHead) {
        return (long) sample * d.seq() * d.qkvWidth() + d.hidden() + (long) kvHead * d.headDim();
    }

    private long vOff(int sample, int kvHead) {
        return kOff(sample, kvHead) + d.kvDim();
    }

    private long sOff(int sample, int head) {
        return ((long) sample * d.heads() + head) * d.seq() * d.seq();
    }

    private long cOff(int sample, int head) {
        return (long) sample * d.seq() * d.hidden() + (long) head * d.headDim();
    }

    /** Scores S = scale Q K^T per head; backward dQ = scale dS K, dK = scale dS^T Q. */
    private void scores(Ctx c) {
        int s = d.seq(), hd = d.headDim(), w = d.qkvWidth();
        long ss = (long) s * s;
        float scale = (float) (1.0 / Math.sqrt(hd));
        DType t = d.type();
        for (int bb = 0; bb < d.samples(); bb++) {
            switch (c.pass) {
                case FORWARD -> {
                    DevicePtr qkv = c.in(0, 1);
                    DevicePtr sc = c.outp(0, 1);
                    for (Heads g : heads(false)) {
                        c.add(new Gemm(t, false, true, s, s, hd, from(qkv, qOff(bb, g.first)), w, hd,
                                from(qkv, kOff(bb, g.kvHead)), w, g.kvStride, from(sc, sOff(bb, g.first)), s, ss,
                                g.count, scale, 0f));
                    }
                }
                case DGRAD -> {
                    DevicePtr qkv = c.in(0, 2);
                    DevicePtr ds = c.in(1, 2);
                    DevicePtr dqkv = c.outp(0, 1);
                    for (Heads g : heads(false)) {
                        c.add(new Gemm(t, false, false, s, hd, s, from(ds, sOff(bb, g.first)), s, ss,
                                from(qkv, kOff(bb, g.kvHead)), w, g.kvStride, from(dqkv, qOff(bb, g.first)), w, hd,
                                g.count, scale, 1f));
                    }
                }
                case DGRAD2 -> {
                    DevicePtr qkv = c.in(0, 2);
                    DevicePtr ds = c.in(1, 2);
                    DevicePtr dqkv = c.outp(0, 1);
                    for (Heads g : heads(true)) {
                        c.add(new Gemm(t, true, false, s, hd, s, from(ds, sOff(bb, g.first)), s, ss,
                                from(qkv, qOff(bb, g.first)), w, hd, from(dqkv, kOff(bb, g.kvHead)), w, g.kvStride,
                                g.count, scale, 1f));
                    }
                }
                default -> throw new IllegalArgumentException("No kernel mapping for operation " + c.op.name());
            }
        }
    }

    /** Context O = P V per head; backward dP = dO V^T, dV = P^T dO. */
    private void pv(Ctx c) {
        int s = d.seq(), hd = d.headDim(), w = d.qkvWidth(), h = d.hidden();
        long ss = (long) s * s;
        DType t = d.type();
        for (int bb = 0; bb < d.samples(); bb++) {
            switch (c.pass) {
                case FORWARD -> {
                    DevicePtr p = c.in(0, 2);
                    DevicePtr qkv = c.in(1, 2);
                    DevicePtr ctx = c.outp(0, 1);
                    for (Heads g : heads(false)) {
                        c.add(new Gemm(t, false, false, s, hd, s, from(p, sOff(bb, g.first)), s, ss,
                                from(qkv, vOff(bb, g.kvHead)), w, g.kvStride, from(ctx, cOff(bb, g.first)), h, hd,
                                g.count, 1f, 0f));
                    }
                }
                case DGRAD -> {
                    DevicePtr qkv = c.in(1, 3);
                    DevicePtr dctx = c.in(2, 3);
                    DevicePtr dp = c.outp(0, 2);
                    for (Heads g : heads(false)) {
                        c.add(new Gemm(t, false, true, s, s, hd, from(dctx, cOff(bb, g.first)), h, hd,
                                from(qkv, vOff(bb, g.kvHead)), w, g.kvStride, from(dp, sOff(bb, g.first)), s, ss,
                                g.count, 1f, 1f));
                    }
                }
                case DGRAD2 -> {
                    DevicePtr p = c.in(0, 3);
                    DevicePtr dctx = c.in(2, 3);
                    DevicePtr dqkv = c.outp(1, 2);
                    for (Heads g : heads(true)) {
                        c.add(new Gemm(t, true, false, s, hd, s, from(p, sOff(bb, g.first)), s, ss,
                                from(dctx, cOff(bb, g.first)), h, hd, from(dqkv, vOff(bb, g.kvHead)), w, g.kvStride,
                                g.count, 1f, 1f));
                    }
                }
                default -> throw new IllegalArgumentException("No kernel mapping for operation " + c.op.name());
            }
        }
    }

    private void fused(Ctx c) {
        if (d.headDim() > 256 || d.heads() % d.kvHeads() != 0) {
            throw new IllegalArgumentException("fused attention kernel needs head_dim <= 256 and heads divisible by "
                    + "kv_heads: " + d.headDim() + ", " + d.heads() + "/" + d.kvHeads());
        }
        float scale = (float) (1.0 / Math.sqrt(d.headDim()));
        List<KernelArg> dims = List.of(i32(d.samples()), i32(d.seq()), i32(d.heads()), i32(d.kvHeads()),
                i32(d.headDim()), f32(scale), i32(d.causal() ? 1 : 0));
        if (c.pass == OpPass.FORWARD) {
            List<KernelArg> a = new ArrayList<>(List.of(ptr(c.in(0, 1)), ptr(c.outp(0, 2)), ptr(c.outp(1, 2))));
            a.addAll(dims);
            c.add(new KernelLaunch(k("attn_fwd"), d.seq(), d.heads(), d.samples(), ATTENTION_BLOCK, a));
        } else {
            List<KernelArg> a = new ArrayList<>(List.of(ptr(c.in(0, 4)), ptr(c.in(1, 4)), ptr(c.in(3, 4)),
                    ptr(c.in(2, 4)), ptr(c.outp(0, 1))));
            a.addAll(dims);
            c.add(new KernelLaunch(k("attn_bwd_dq"), d.seq(), d.heads(), d.samples(), ATTENTION_BLOCK, a));
            c.add(new KernelLaunch(k("attn_bwd_dkv"), d.seq(), d.kvHeads(), d.samples(), ATTENTION_BLOCK, a));
        }
    }

    private void softmax(Ctx c) {
        long rows = (long) d.samples() * d.heads() * d.seq();
        if (c.pass == OpPass.FORWARD) {
            c.add(rows(k("softmax_fwd"), rows, ptr(c.in(0, 1)), ptr(c.outp(0, 1)), i64(rows), i32(d.seq()),
                    i32(d.causal() ? 1 : 0), i32(d.seq())));
        } else {
            c.add(rows(k("softmax_bwd"), rows, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(c.outp(0, 1)), i64(rows),
                    i32(d.seq())));
        }
    }

    private void dropout(Ctx c, String name) {
        if (c.pass == OpPass.FORWARD) {
            DevicePtr mask = c.outp(0, 2);
            long n = mask.length();
            c.add(ew(k("dropout_fwd"), n, ptr(c.in(0, 1)), ptr(mask), ptr(c.outp(1, 2)), i64(n),
                    f32(ModelDims.DROPOUT), i64(stream(name)), i64(c.micro * n)));
        } else {
            DevicePtr mask = c.in(0, 2);
            long n = mask.length();
            c.add(ew(k("dropout_bwd"), n, ptr(mask), ptr(c.in(1, 2)), ptr(c.outp(0, 1)), i64(n),
                    f32(ModelDims.DROPOUT)));
        }
    }

    private void residual(Ctx c) {
        if (c.pass == OpPass.FORWARD) {
            DevicePtr y = c.outp(0, 1);
            long n = y.length() / e;
            c.add(ew(k("add"), n, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(y), i64(n)));
        } else {
            DevicePtr dy = c.in(0, 1);
            long n = dy.length() / e;
            c.add(ew(k("accum"), n, ptr(dy), ptr(c.outp(0, 2)), i64(n)));
            c.add(ew(k("accum"), n, ptr(dy), ptr(c.outp(1, 2)), i64(n)));
        }
    }

    private void gelu(Ctx c) {
        if (c.pass == OpPass.FORWARD) {
            DevicePtr y = c.outp(0, 1);
            long n = y.length() / e;
            c.add(ew(k("gelu_fwd"), n, ptr(c.in(0, 1)), ptr(y), i64(n)));
        } else {
            DevicePtr dx = c.outp(0, 1);
            long n = dx.length() / e;
            c.add(ew(k("gelu_bwd"), n, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(dx), i64(n)));
        }
    }

    private void swiglu(Ctx c) {
        long rows = d.tokens();
        long n = rows * d.ffn();
        if (c.pass == OpPass.FORWARD) {
            c.add(ew(k("swiglu_fwd"), n, ptr(c.in(0, 1)), ptr(c.outp(0, 1)), i64(rows), i32(d.ffn())));
        } else {
            c.add(ew(k("swiglu_bwd"), n, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(c.outp(0, 1)), i64(rows),
                    i32(d.ffn())));
        }
    }

    /** Rotary embedding in place on q and k; its backward is the inverse rotation of their gradient. */
    private void rope(Ctx c) {
        long rows = d.tokens();
        int rot = d.hidden() + d.kvDim();
        DevicePtr x = c.pass == OpPass.FORWARD ? c.in(0, 1) : c.outp(0, 1);
        c.add(ew(k("rope"), rows * rot / 2, ptr(x), i64(rows), i32(d.seq()), i32(d.qkvWidth()), i32(rot),
                i32(d.headDim()), f32(c.pass == OpPass.FORWARD ? 1 : -1)));
    }

    private void embedding(Ctx c) {
        long tok = d.tokens();
        long n = tok * d.hidden();
        ParameterMap.Slice s = params.get("embedding");
        if (c.pass == OpPass.FORWARD) {
            c.add(ew(k("embedding_fwd"), n, ptr(c.in(0, 1)), ptr(slice(c.b.weights(), s)), ptr(c.outp(0, 1)),
                    i64(tok), i32(d.hidden())));
        } else {
            c.add(ew(k("embedding_bwd"), n, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(slice(c.b.gradients(), s)),
                    i64(tok), i32(d.hidden())));
        }
    }

    private void cast(Ctx c) {
        DevicePtr y = c.outp(0, 1);
        long n = y.length() / e;
        c.add(ew(k("copy"), n, ptr(c.in(0, 1)), ptr(y), i64(n)));
    }

    private void crossEntropy(Ctx c) {
        long rows = d.tokens();
        float scale = lossScale() / d.stepTokens();
        long labels = stream("labels");
        long offset = (long) c.micro * rows;
        if (c.pass == OpPass.FORWARD) {
            c.add(rows(k("xent_fwd"), rows, ptr(c.in(0, 1)), ptr(c.outp(0, 2)), ptr(c.outp(1, 2)), i64(rows),
                    i32(d.vocab()), i64(labels), i64(offset), f32(scale)));
        } else {
            c.add(ew(k("xent_bwd"), rows * d.vocab(), ptr(c.in(0, 1)), ptr(c.outp(0, 1)), i64(rows), i32(d.vocab()),
                    i64(labels), i64(offset), f32(scale)));
        }
    }

    private void mse(Ctx c) {
        long n = d.tokens() * d.hidden();
        float scale = lossScale() / (d.stepTokens() * d.hidden());
        if (c.pass == OpPass.FORWARD) {
            c.add(ew(k("mse_fwd"), n, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(c.outp(0, 1)), i64(n), f32(scale)));
        } else {
            c.add(ew(k("mse_bwd"), n, ptr(c.in(0, 2)), ptr(c.in(1, 2)), ptr(c.outp(0, 1)), i64(n), f32(scale)));
        }
    }

    /** The device optimizer over every parameter; state is [moments..., fp32 master in mixed precision]. */
    private List<DeviceCall> optimizer(Buffers b, int step) {
        long p = d.parameters();
        DeviceBuffer opt = b.optimizerState();
        if (opt == null) {
            throw new IllegalStateException("device optimizer update without device optimizer state");
        }
        DevicePtr master = d.type() == DType.F32 ? DevicePtr.NULL : opt.at(optimizer.moments() * p * 4, p * 4);
        if (optimizer == OptimizerKind.ADAM) {
            double bc1 = 1 - Math.pow(ADAM_B1, step);
            double bc2 = 1 - Math.pow(ADAM_B2, step);
            return List.of(ew(k("adam"), p, ptr(b.weights().all()), ptr(b.gradients().all()), ptr(opt.at(0, p * 4)),
                    ptr(opt.at(p * 4, p * 4)), ptr(master), i64(p), f32(ADAM_LR), f32(ADAM_B1), f32(ADAM_B2),
                    f32(ADAM_EPS), f32(bc1), f32(bc2)));
        }
        return List.of(ew(k("sgd"), p, ptr(b.weights().all()), ptr(b.gradients().all()), ptr(opt.at(0, p * 4)),
                ptr(master), i64(p), f32(SGD_LR / lossScale()), f32(SGD_MOMENTUM)));
    }

    // ------------------------------------------------------------------ helpers

    private String k(String base) {
        return base + "_" + d.type().suffix();
    }

    private DevicePtr slice(DeviceBuffer b, ParameterMap.Slice s) {
        return b.at(s.offset() * e, s.count() * e);
    }

    /** Seed of one named random stream: the run's seed mixed with the name (FNV-1a 64). */
    long stream(String name) {
        return Fnv1a.hash64(Fnv1a.OFFSET_BASIS ^ seed, name);
    }

    /** A grid-stride element-wise launch over n elements. */
    static KernelLaunch ew(String kernel, long n, KernelArg... args) {
        long blocks = Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, 1L << 20));
        return new KernelLaunch(kernel, (int) blocks, 1, 1, BLOCK, List.of(args));
    }

    /** One block per row. */
    static KernelLaunch rows(String kernel, long rows, KernelArg... args) {
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Too many rows for " + kernel + ": " + rows);
        }
        return new KernelLaunch(kernel, (int) Math.max(1, rows), 1, 1, BLOCK, List.of(args));
    }
}
