package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * A template of forward work for one micro-batch: the tensors it produces and the operations
 * that produce them, in order. Layers, the embedding and the loss head are all sections, so one
 * generator (in {@link Planner}) turns every part of the model into forward, recompute and
 * backward operations.
 *
 * <p>A tensor is <em>saved</em> when some backward operation reads it: that, and nothing else,
 * decides what a policy has to keep, drop, recompute or copy. The GPT template reproduces the
 * activation accounting of Korthikanti et al. 2022, Table 2 (no tensor parallelism): the saved
 * tensors of a layer sum to {@code sbh(34 + 5as/h)} bytes in 16-bit precision, of which the
 * attention core (softmax output, its dropout mask and dropout output) is {@code 5as^2b}.
 *
 * <p>References: [1] V. Korthikanti et al., Reducing Activation Recomputation in Large
 * Transformer Models, MLSys 2023 (arXiv:2205.05198). [2] T. Dao et al., FlashAttention,
 * NeurIPS 2022. [3] H. Touvron et al., Llama 2, arXiv:2307.09288.
 */
final class Section {
    /** A tensor of the template. */
    record T(String name, long bytes, boolean grad) {
    }

    /**
     * A forward operation of the template.
     *
     * @param weight whether a GEMM multiplies by a weight (its backward has a weight-gradient GEMM)
     * @param core   whether it belongs to the attention core that selective recomputation drops
     * @param bwd    the template tensors its backward reads (so they must be saved)
     * @param bwdFlopsFactor backward FLOPs as a multiple of forward FLOPs
     */
    record F(OpTemplate template, OpKind kind, int[] in, int[] out, int[] bwd, double flops, int m, int n, int k,
             int batch, boolean weight, boolean core, double bwdFlopsFactor) {
        /** The operation's name within its section. */
        String name() {
            return template.id();
        }
    }

    /**
     * Takes a walk-only section's operations, in order, as the section is built, instead of the
     * section storing them ({@link Estimator}, which only sums them): the same arguments an
     * {@link F} holds, the section passed for its tensors' {@link #bytes} and {@link #grad}.
     */
    interface Ops {
        void op(Section s, OpKind kind, int[] in, int[] out, int[] bwd, double flops, int m, int n, int k, int batch,
                boolean weight, boolean core, double bwdFlopsFactor);
    }

    final String name;
    // sized for a layer (19 tensors and 15 operations at most): a lookup builds a dozen sections
    final List<T> tensors;
    final List<F> ops;
    /** Template index of the section's input (-1: none) and output (-1: none). */
    int input = -1;
    int output = -1;

    /** Bytes of one activation element, to turn tensor sizes into element counts. */
    final long elementBytes;

    /** Where the operations go in a walk-only section (its {@link #tensors} and {@link #ops} empty); null: stored. */
    private final Ops sink;
    /**
     * Per tensor, in either form: its bytes, whether it takes a gradient, whether a backward reads it
     * (it is saved), whether a core operation produces it; {@link #count} of them.
     */
    long[] bytes = new long[24];
    boolean[] grad = new boolean[24];
    private boolean[] read = new boolean[24];
    private boolean[] coreOut = new boolean[24];
    int count;

    Section(String name, long elementBytes) {
        this(name, elementBytes, null);
    }

    /** A section whose operations go to {@code sink} as they are added (null: stored, as the planner reads them). */
    Section(String name, long elementBytes, Ops sink) {
        this.name = name;
        this.elementBytes = elementBytes;
        this.sink = sink;
        this.tensors = sink == null ? new ArrayList<>(24) : List.of();
        this.ops = sink == null ? new ArrayList<>(24) : List.of();
    }

    int tensor(String n, long bytes) {
        return add(n, "", bytes, true);
    }

    int mask(String n, long bytes) {
        return add(n, "", bytes, false);
    }

    /** A tensor named {@code n + suffix} (the name only built where the section stores its tensors). */
    private int add(String n, String suffix, long size, boolean takesGrad) {
        if (sink == null) {
            tensors.add(new T(suffix.isEmpty() ? n : n + suffix, size, takesGrad));
        }
        if (count == bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, 2 * count);
            grad = java.util.Arrays.copyOf(grad, 2 * count);
            read = java.util.Arrays.copyOf(read, 2 * count);
            coreOut = java.util.Arrays.copyOf(coreOut, 2 * count);
        }
        bytes[count] = size;
        grad[count] = takesGrad;
        return count++;
    }

    /** An operation: stored as an {@link F}, or handed to the sink; its backward's reads and a core op's outputs noted. */
    void op(OpTemplate template, OpKind kind, int[] in, int[] out, int[] bwd, double flops, int m, int n, int k,
            int batch, boolean weight, boolean core, double bwdFlopsFactor) {
        for (int t : bwd) {
            read[t] = true;
        }
        if (core) {
            for (int t : out) {
                coreOut[t] = true;
            }
        }
        if (sink == null) {
            ops.add(new F(template, kind, in, out, bwd, flops, m, n, k, batch, weight, core, bwdFlopsFactor));
        } else {
            sink.op(this, kind, in, out, bwd, flops, m, n, k, batch, weight, core, bwdFlopsFactor);
        }
    }

    void gemm(OpTemplate n, int[] in, int out, int[] bwd, long m, long nn, long k, long batch, boolean weight, boolean core) {
        op(n, OpKind.GEMM, in, new int[]{out}, bwd, 2.0 * m * nn * k * batch, (int) m, (int) nn, (int) k,
                (int) batch, weight, core, 2.0);
    }

    /** A memory-bound kernel costing {@code perElement} FLOPs per output element. */
    void pointwise(OpTemplate n, OpKind kind, int[] in, int[] out, int[] bwd, double perElement, boolean core) {
        pointwise(n, kind, in, out, bwd, perElement, core, -1);
    }

    /**
     * An autocast cast of an fp32 activation to the 16-bit copy a GEMM reads: no FLOPs, its bytes
     * (4 read, 2 written per element) are its cost; its backward casts the gradient back to fp32.
     * Returns the 16-bit output tensor; {@code core}: part of the core that selective recomputes.
     */
    int cast(OpTemplate n, int in, long bytes, boolean core) {
        int out = add(n.id(), ".out", bytes, true);
        op(n, OpKind.ELEMENTWISE, new int[]{in}, new int[]{out}, new int[]{}, 0, 0, 0, 0, 0, false, core, 0);
        return out;
    }

    /**
     * A memory-bound kernel over {@code elements} output elements ({@code -1}: the largest output's
     * bytes over the section's element size, right for tensors in the training precision).
     */
    void pointwise(OpTemplate n, OpKind kind, int[] in, int[] out, int[] bwd, double perElement, boolean core,
                   long elements) {
        long elems = elements;
        if (elems < 0) {
            long most = 0;
            for (int o : out) {
                most = Math.max(most, bytes[o]);
            }
            if (out.length == 0) {
                for (int i : in) {
                    most = Math.max(most, bytes[i]);
                }
            }
            elems = most / elementBytes;
        }
        op(n, kind, in, out, bwd, perElement * elems, 0, 0, 0, 0, kind == OpKind.EMBEDDING, core, 2.0);
    }

    private int[][] freeAfterBackward;
    private boolean[] opHasGradInput;

    /** For each op, the saved tensors its backward reads last (so they are freed after it). */
    int[][] freeAfterBackward() {
        if (freeAfterBackward == null) {
            int[] freeAt = new int[tensors.size()];
            java.util.Arrays.fill(freeAt, Integer.MAX_VALUE);
            for (int i = 0; i < ops.size(); i++) {
                for (int t : ops.get(i).bwd()) {
                    freeAt[t] = Math.min(freeAt[t], i);
                }
            }
            int[][] out = new int[ops.size()][];
            for (int i = 0; i < ops.size(); i++) {
                final int op = i;
                out[i] = java.util.stream.IntStream.range(0, freeAt.length).filter(t -> freeAt[t] == op).toArray();
            }
            freeAfterBackward = out;
        }
        return freeAfterBackward;
    }

    /** For each op, whether some input takes a gradient. */
    boolean[] opHasGradInput() {
        if (opHasGradInput == null) {
            boolean[] b = new boolean[ops.size()];
            for (int i = 0; i < ops.size(); i++) {
                for (int t : ops.get(i).in()) {
                    b[i] |= grad[t];
                }
            }
            opHasGradInput = b;
        }
        return opHasGradInput;
    }

    /** Per tensor, whether a backward operation reads it (it is saved). */
    boolean[] saved() {
        return java.util.Arrays.copyOf(read, count);
    }

    /** Per tensor, whether a core operation produces it. */
    boolean[] core() {
        return java.util.Arrays.copyOf(coreOut, count);
    }

    /** The bytes of the saved tensors (the output excepted), and of the saved non-core ones. */
    long[] savedBytes() {
        long all = 0;
        long nonCore = 0;
        for (int i = 0; i < count; i++) {
            if (read[i] && i != output) {
                all += bytes[i];
                nonCore += coreOut[i] ? 0 : bytes[i];
            }
        }
        return new long[]{all, nonCore};
    }

    /** Bytes of the tensors a layer keeps: all saved ones, or the saved non-core ones. */
    long savedBytes(boolean includeCore) {
        return savedBytes()[includeCore ? 0 : 1];
    }

    // ---------------------------------------------------------------- templates

    /** One transformer or linear layer for a micro-batch of {@code b} samples. */
    static Section layer(Workload w, int b) {
        return layer(w, b, null);
    }

    /** {@link #layer(Workload, int)}, its operations going to {@code sink} where it is not null. */
    static Section layer(Workload w, int b, Ops sink) {
        ModelSpec m = w.model();
        long s = w.training().seqLen();
        long tok = Math.multiplyExact(s, b);   // checked, like every product below that Workload's bound caps
        long h = m.hidden();
        long e = w.training().precision().bytes();
        // under autocast the residual stream, the norms' outputs and the softmax are fp32 (module doc)
        boolean ac = w.training().autocast();
        long ef = ac ? 4 : e;
        Section x = new Section("layer", e, sink);
        if (m.family() == Family.MLP) {
            int in = x.tensor("x", e * tok * h);
            int z = x.tensor("linear.out", e * tok * h);
            int y = x.tensor("y", e * tok * h);
            x.gemm(OpTemplate.LINEAR, new int[]{in}, z, new int[]{in}, tok, h, h, 1, true, false);
            x.pointwise(OpTemplate.GELU, OpKind.ELEMENTWISE, new int[]{z}, new int[]{y}, new int[]{z}, 8, false);
            x.input = in;
            x.output = y;
            return x;
        }
        long a = m.heads();
        long hd = m.headDim();
        long f = m.ffnHidden();
        boolean fused = w.training().attention() == AttentionKind.FUSED;
        boolean llama = m.family() == Family.LLAMA;
        boolean dropout = m.family().hasDropout();
        long qkvWidth = h + 2L * m.kvDim();
        long scoreElems = Math.multiplyExact(Math.multiplyExact(b * a, s), s);

        int in = x.tensor("x", ef * tok * h);
        int n1 = x.tensor(llama ? "rms1.out" : "ln1.out", ef * tok * h);
        int qkv = x.tensor("qkv.out", e * tok * qkvWidth);
        x.pointwise(llama ? OpTemplate.RMS1 : OpTemplate.LN1, OpKind.NORM, new int[]{in}, new int[]{n1}, new int[]{in}, 5, false,
                tok * h);
        int n1h = ac ? x.cast(OpTemplate.NORM1_CAST, n1, e * tok * h, false) : n1;
        x.gemm(OpTemplate.QKV, new int[]{n1h}, qkv, new int[]{n1h}, tok, qkvWidth, h, 1, true, false);
        if (llama) {
            // rotary embedding, in place on q and k
            x.pointwise(OpTemplate.ROPE, OpKind.ELEMENTWISE, new int[]{qkv}, new int[]{}, new int[]{}, 3, false);
        }
        int ctx = x.tensor("attn.ctx", e * tok * h);
        if (fused) {
            // FlashAttention keeps only the output and fp32 log-sum-exp per row [2]
            int lse = x.mask("attn.lse", 4L * b * a * s);
            // forward: QK^T and PV, 4bs^2h; backward recomputes QK^T inside: 2.5x forward [2]
            x.op(OpTemplate.ATTN_FUSED, OpKind.FUSED_ATTENTION, new int[]{qkv}, new int[]{ctx, lse},
                    new int[]{qkv, ctx, lse}, 4.0 * b * s * s * h, (int) s, (int) s, (int) hd, (int) (b * a),
                    false, false, 2.5);
        } else {
            int scores = x.tensor("attn.scores", e * scoreElems);
            int probs = x.tensor("attn.probs", ef * scoreElems);
            x.gemm(OpTemplate.ATTN_SCORES, new int[]{qkv}, scores, new int[]{qkv}, s, s, hd, b * a, false, true);
            x.pointwise(OpTemplate.ATTN_SOFTMAX, OpKind.SOFTMAX, new int[]{scores}, new int[]{probs}, new int[]{probs}, 5, true,
                    scoreElems);
            int pv = probs;
            if (dropout) {
                int amask = x.mask("attn.dropout.mask", scoreElems);
                int pdrop = x.tensor("attn.dropout.out", ef * scoreElems);
                x.pointwise(OpTemplate.ATTN_DROPOUT, OpKind.DROPOUT, new int[]{probs}, new int[]{amask, pdrop},
                        new int[]{amask}, 2, true, scoreElems);
                pv = pdrop;
            }
            if (ac) {   // the fp32 probabilities cast for the PV product, part of the core selective recomputes
                pv = x.cast(OpTemplate.PROBS_CAST, pv, e * scoreElems, true);
            }
            x.gemm(OpTemplate.ATTN_PV, new int[]{pv, qkv}, ctx, new int[]{pv, qkv}, s, hd, s, b * a, false, false);
        }
        int proj = x.tensor("attn.proj.out", e * tok * h);
        x.gemm(OpTemplate.ATTN_PROJ, new int[]{ctx}, proj, new int[]{ctx}, tok, h, h, 1, true, false);
        int branch = proj;
        if (dropout) {
            int pmask = x.mask("attn.proj.dropout.mask", tok * h);
            int pdrop = x.tensor("attn.proj.dropout.out", e * tok * h);
            x.pointwise(OpTemplate.ATTN_PROJ_DROPOUT, OpKind.DROPOUT, new int[]{proj}, new int[]{pmask, pdrop},
                    new int[]{pmask}, 2, false);
            branch = pdrop;
        }
        int r1 = x.tensor("residual1", ef * tok * h);
        x.pointwise(OpTemplate.RESIDUAL1, OpKind.ELEMENTWISE, new int[]{branch, in}, new int[]{r1}, new int[]{}, 1, false,
                tok * h);
        int n2f = x.tensor(llama ? "rms2.out" : "ln2.out", ef * tok * h);
        x.pointwise(llama ? OpTemplate.RMS2 : OpTemplate.LN2, OpKind.NORM, new int[]{r1}, new int[]{n2f}, new int[]{r1}, 5, false,
                tok * h);
        int n2 = ac ? x.cast(OpTemplate.NORM2_CAST, n2f, e * tok * h, false) : n2f;
        int down;
        if (llama) {
            // SwiGLU: gate and up projections in one GEMM, silu(gate) * up, down projection [3]
            int gu = x.tensor("mlp.gate_up.out", e * tok * 2 * f);
            int act = x.tensor("mlp.swiglu.out", e * tok * f);
            down = x.tensor("mlp.down.out", e * tok * h);
            x.gemm(OpTemplate.MLP_GATE_UP, new int[]{n2}, gu, new int[]{n2}, tok, 2 * f, h, 1, true, false);
            x.pointwise(OpTemplate.MLP_SWIGLU, OpKind.ELEMENTWISE, new int[]{gu}, new int[]{act}, new int[]{gu}, 6, false);
            x.gemm(OpTemplate.MLP_DOWN, new int[]{act}, down, new int[]{act}, tok, h, f, 1, true, false);
        } else {
            int fc1 = x.tensor("mlp.fc1.out", e * tok * f);
            int act = x.tensor("mlp.gelu.out", e * tok * f);
            down = x.tensor("mlp.fc2.out", e * tok * h);
            x.gemm(OpTemplate.MLP_FC1, new int[]{n2}, fc1, new int[]{n2}, tok, f, h, 1, true, false);
            x.pointwise(OpTemplate.MLP_GELU, OpKind.ELEMENTWISE, new int[]{fc1}, new int[]{act}, new int[]{fc1}, 8, false);
            x.gemm(OpTemplate.MLP_FC2, new int[]{act}, down, new int[]{act}, tok, h, f, 1, true, false);
        }
        int branch2 = down;
        if (dropout) {
            int fmask = x.mask("mlp.dropout.mask", tok * h);
            int fdrop = x.tensor("mlp.dropout.out", e * tok * h);
            x.pointwise(OpTemplate.MLP_DROPOUT, OpKind.DROPOUT, new int[]{down}, new int[]{fmask, fdrop},
                    new int[]{fmask}, 2, false);
            branch2 = fdrop;
        }
        int y = x.tensor("y", ef * tok * h);
        x.pointwise(OpTemplate.RESIDUAL2, OpKind.ELEMENTWISE, new int[]{branch2, r1}, new int[]{y}, new int[]{}, 1, false,
                tok * h);
        x.input = in;
        x.output = y;
        return x;
    }

    /** The input side: token ids and embedding (or the input batch of an MLP). */
    static Section embedding(Workload w, int b) {
        return embedding(w, b, null);
    }

    /** {@link #embedding(Workload, int)}, its operations going to {@code sink} where it is not null. */
    static Section embedding(Workload w, int b, Ops sink) {
        ModelSpec m = w.model();
        long tok = (long) w.training().seqLen() * b;
        long h = m.hidden();
        long e = w.training().precision().bytes();
        Section x = new Section("embedding", e, sink);
        if (m.family() == Family.MLP) {
            int data = x.mask("input", e * tok * h);
            int x0 = x.tensor("x0", e * tok * h);
            x.pointwise(OpTemplate.INPUT_CAST, OpKind.ELEMENTWISE, new int[]{data}, new int[]{x0}, new int[]{}, 1, false);
            x.output = x0;
            return x;
        }
        long ef = w.training().autocast() ? 4 : e;   // autocast: the lookup of fp32 weights gives fp32
        int ids = x.mask("token_ids", 8L * tok); // int64 ids, as PyTorch's embedding takes
        int emb = x.tensor("embedding.out", ef * tok * h);
        x.pointwise(OpTemplate.EMBEDDING, OpKind.EMBEDDING, new int[]{ids}, new int[]{emb}, new int[]{ids}, 1, false,
                tok * h);
        if (m.family().hasDropout()) {
            int mask = x.mask("embedding.dropout.mask", tok * h);
            int x0 = x.tensor("x0", ef * tok * h);
            x.pointwise(OpTemplate.EMBEDDING_DROPOUT, OpKind.DROPOUT, new int[]{emb}, new int[]{mask, x0}, new int[]{mask}, 2,
                    false, tok * h);
            x.output = x0;
        } else {
            x.output = emb;
        }
        return x;
    }

    /** The loss: one fp32 scalar per micro-batch, whatever the batch. */
    static final long LOSS_BYTES = 4;

    /** The output side: final norm, output head and loss (MSE for an MLP). */
    static Section head(Workload w, int b) {
        return head(w, b, null);
    }

    /** {@link #head(Workload, int)}, its operations going to {@code sink} where it is not null. */
    static Section head(Workload w, int b, Ops sink) {
        ModelSpec m = w.model();
        long tok = (long) w.training().seqLen() * b;
        long h = m.hidden();
        long v = m.vocab();
        long e = w.training().precision().bytes();
        Section x = new Section("head", e, sink);
        boolean ac = w.training().autocast() && m.family() != Family.MLP;
        long ef = ac ? 4 : e;
        int in = x.tensor("xL", ef * tok * h);
        x.input = in;
        if (m.family() == Family.MLP) {
            int target = x.mask("target", e * tok * h);
            int loss = x.mask("loss", LOSS_BYTES);
            x.pointwise(OpTemplate.LOSS_MSE, OpKind.LOSS, new int[]{in, target}, new int[]{loss}, new int[]{in, target}, 3,
                    false);
            return x;
        }
        int normed = in;
        if (m.family() != Family.BERT) { // BERT is post-LN: no final norm
            normed = x.tensor("final_norm.out", ef * tok * h);
            x.pointwise(OpTemplate.FINAL_NORM, OpKind.NORM, new int[]{in}, new int[]{normed}, new int[]{in}, 5, false,
                    tok * h);
        }
        if (ac) {
            normed = x.cast(OpTemplate.HEAD_CAST, normed, e * tok * h, false);
        }
        int logits = x.tensor("logits", e * tok * v);
        // cross-entropy keeps fp32 softmax of the logits, 4sbv bytes ([1], section 4.1)
        int probs = x.tensor("loss.softmax", 4L * tok * v);
        int loss = x.mask("loss", LOSS_BYTES);
        x.gemm(OpTemplate.LM_HEAD, new int[]{normed}, logits, new int[]{normed}, tok, v, h, 1, true, false);
        x.pointwise(OpTemplate.LOSS_CROSS_ENTROPY, OpKind.LOSS, new int[]{logits}, new int[]{probs, loss}, new int[]{probs}, 5,
                false);
        return x;
    }
}
