package io.accessplan.features.plan;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a workload and a strategy into the schedule of one training step.
 *
 * <p>There is one generator for every strategy. The model is cut into sections (embedding,
 * {@code L} identical layers, loss head, see {@link Section}); each section's forward work is
 * emitted from its template, and a strategy only changes three things: which saved tensors a
 * forward pass retains (all, all but the attention core, or only checkpointed layer inputs),
 * what is recomputed before a layer's backward (nothing, the attention core, or the layers of
 * a checkpoint segment), and what is copied (layer activations to pinned host memory and back,
 * gradients and weights around a host optimizer). A partial policy ({@code full:N},
 * {@code selective:N}, {@code offload:N}) makes those choices for the first {@code N} layers and
 * keeps the others, through the same code. Micro-batching shrinks the templates by k and
 * repeats the micro-batch body k times; the optimizer tail runs once.
 *
 * <p>Memory events are ordered conservatively: a tensor released on the copy stream after an
 * offload is freed in program order only after the next layer's forward, and the layer after
 * that waits for the copy, so the program-order peak is the true peak of the two-stream
 * execution.
 *
 * <p>References: [1] Korthikanti et al. 2022 (arXiv:2205.05198), activation accounting and
 * selective recomputation. [2] T. Chen et al., Training Deep Nets with Sublinear Memory Cost,
 * arXiv:1604.06174 (sqrt(L) checkpointing). [3] S. Rajbhandari et al., ZeRO, SC 2020
 * (16 bytes of model state per parameter with mixed-precision Adam). [4] J. Ren et al.,
 * ZeRO-Offload, USENIX ATC 2021 (optimizer state and update on the CPU, fp16 gradients down,
 * fp16 parameters up).
 */
public final class Planner {
    /**
     * CUDA context on the device: an idle PyTorch process shows ~300-600 MiB in nvidia-smi
     * depending on the CUDA version and lazy module loading (PyTorch "CUDA semantics" notes on
     * memory management; NVIDIA CUDA C++ Programming Guide, lazy loading since CUDA 11.7).
     */
    public static final long CUDA_CONTEXT_BYTES = 512L << 20;

    /**
     * cuBLAS workspace: PyTorch's default CUBLAS_WORKSPACE_CONFIG ":4096:8" is eight 4 MiB
     * chunks (PyTorch reproducibility notes; cuBLAS docs, cublasSetWorkspace).
     */
    public static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;

    private Planner() {
    }

    /** The schedule of one training step; throws if the strategy is not a candidate. */
    public static Schedule schedule(Workload w, Strategy s) {
        s.checkValidFor(w);
        return new Builder(w, s).build();
    }

    /** The analytic summary of one training step. */
    public static Plan plan(Workload w, Strategy s) {
        return schedule(w, s).plan();
    }

    /**
     * The smallest layer count N for which the strategy's policy on the first N layers fits the
     * device by the exact plan, or 0 where even every layer does not fit. A binary search: the
     * peak never rises with N (PartialPolicyTest, PartialPolicySimTest), so log2(L) plans suffice.
     */
    public static int smallestFittingLayers(Workload w, Strategy s) {
        int layers = w.model().layers();
        if (!plan(w, s.withPolicyLayers(layers)).fits()) {
            return 0;
        }
        int lo = 1;
        int hi = layers;   // fits
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (plan(w, s.withPolicyLayers(mid)).fits()) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hi;
    }

    /** The plans of every candidate strategy of a workload, in canonical order. */
    public static List<Plan> planAll(Workload w) {
        return Strategy.candidates(w).stream().map(s -> plan(w, s)).toList();
    }

    /**
     * Activation bytes a layer keeps under a strategy, averaged over the layers where they differ
     * (sqrt's checkpoints, a partial policy's kept layers); shared with {@link Estimator}.
     *
     * @param all     every tensor a layer saves (keep, offload)
     * @param nonCore all but the attention core (selective)
     * @param input   the layer input (a full checkpoint)
     */
    static long keptPerLayer(Strategy s, int layers, long all, long nonCore, long input) {
        int n = s.appliedLayers(layers);
        long kept = (long) (layers - n) * all;
        return switch (s.policy()) {
            case KEEP, OFFLOAD -> all;
            case SELECTIVE -> (n * nonCore + kept) / layers;
            case FULL -> (n * input + kept) / layers;
            case SQRT -> {
                int seg = segmentLength(s.policy(), layers);
                long checkpoints = (layers + seg - 1) / seg;
                yield checkpoints * input / layers;
            }
        };
    }

    /** Layers per checkpoint segment for a policy: ceil(sqrt(L)) for sqrt [2], 1 for full. */
    static int segmentLength(ActivationPolicy p, int layers) {
        return p == ActivationPolicy.SQRT ? (int) Math.ceil(Math.sqrt(layers)) : 1;
    }

    /** Builds one schedule; not thread-safe, used once. */
    private static final class Builder {
        private final Workload w;
        private final Strategy s;
        private final List<Tensor> tensors;
        private final List<Op> ops;
        private final List<Integer> statics = new ArrayList<>();
        private final Section layerT;
        private final Section embedT;
        private final Section headT;
        private final int layers;
        /** Layers the policy applies to (the first ones); the others are kept. */
        private final int applied;
        private final int weightElemBytes;
        /** Bytes of every tensor a layer saves for backward: what offload copies out and back. */
        private final long layerSavedBytes;
        private int pendingWait = -1;
        /** Whether the forward being emitted is one whose weight copies only the autocast cache keeps. */
        private boolean cacheOnly;

        Builder(Workload w, Strategy s) {
            this.w = w;
            this.s = s;
            int b = w.training().batch() / s.microBatches();
            this.layerT = Section.layer(w, b);
            this.embedT = Section.embedding(w, b);
            this.headT = Section.head(w, b);
            this.layers = w.model().layers();
            this.applied = s.appliedLayers(layers);
            this.weightElemBytes = w.training().precision().bytes();   // GEMM operands: 16-bit copies under autocast
            this.autocast = w.training().autocast();
            this.layerSavedBytes = layerT.savedBytes(true);
            int perLayer = 8 * layerT.ops.size() + 4 * layerT.tensors.size();   // forward, recompute, backward
            this.ops = new ArrayList<>(perLayer * layers + 256);
            this.tensors = new ArrayList<>(2 * layerT.tensors.size() * layers + 128);
        }

        /** Live runtime tensor ids of one section instance, by template index (-1: not live). */
        private static final class Inst {
            final int[] ids;
            final int layer;
            /** Autocast: the live 16-bit weight copy of each weight GEMM, by template op index (-1: none). */
            final int[] weightCopy;

            Inst(Section sec, int layer) {
                ids = new int[sec.tensors.size()];
                Arrays.fill(ids, -1);
                this.layer = layer;
                weightCopy = new int[sec.ops.size()];
                Arrays.fill(weightCopy, -1);
            }
        }

        /**
         * Autocast: the weight copies a forward pass made for layers that will be recomputed. Autograd
         * does not keep them (the forward ran without saving), but the autocast cache holds every copy
         * until the forward leaves the autocast region, so they are freed when the forward ends.
         */
        private final List<Integer> castCacheOnly = new ArrayList<>();
        private final boolean autocast;
        private int weightsTensor = -1;
        private int gradsTensor = -1;

        Schedule build() {
            ModelState state = ModelState.of(w);   // [3], [4]
            long weightBytes = state.weightBytes();
            long gradBytes = state.gradientBytes();
            long optBytes = state.optimizerDeviceBytes();
            staticTensor("cuda_context", Planner.CUDA_CONTEXT_BYTES, MemoryCategory.CONTEXT, Location.DEVICE);
            staticTensor("cublas_workspace", Planner.CUBLAS_WORKSPACE_BYTES, MemoryCategory.WORKSPACE, Location.DEVICE);
            int weights = staticTensor("weights", weightBytes, MemoryCategory.WEIGHTS, Location.DEVICE);
            int grads = staticTensor("gradients", gradBytes, MemoryCategory.GRADIENTS, Location.DEVICE);
            weightsTensor = weights;
            gradsTensor = grads;
            int hostGrads = -1;
            int optState;
            if (s.optimizerOffload()) {
                optState = staticTensor("optimizer_state", state.optimizerHostBytes(), MemoryCategory.OPTIMIZER, Location.HOST);
                hostGrads = staticTensor("host_gradients", gradBytes, MemoryCategory.GRADIENTS, Location.HOST);
            } else {
                optState = staticTensor("optimizer_state", optBytes, MemoryCategory.OPTIMIZER, Location.DEVICE);
            }

            ActivationPolicy p = s.policy();
            int[] hostAct = new int[layers];
            Arrays.fill(hostAct, -1);
            if (p == ActivationPolicy.OFFLOAD) {
                long perLayer = layerSavedBytes;
                for (int l = 0; l < Math.min(applied, layers - 1); l++) {   // the last layer is consumed at once
                    hostAct[l] = staticTensor("L" + l + ".offload", perLayer, MemoryCategory.ACTIVATIONS, Location.HOST);
                }
            }

            // ---- one micro-batch: forward
            boolean[] layerSaved = layerT.saved();
            boolean[] layerCore = layerT.core();
            boolean[] all = fill(layerT.ops.size(), true);
            boolean[] coreOps = new boolean[layerT.ops.size()];
            for (int i = 0; i < coreOps.length; i++) {
                coreOps[i] = layerT.ops.get(i).core();
            }
            Inst emb = new Inst(embedT, -1);
            emitForward(embedT, emb, Phase.FORWARD, embedT.saved(), fill(embedT.ops.size(), true), false);
            int seg = segmentLength(p, layers);
            boolean recomputing = p == ActivationPolicy.FULL || p == ActivationPolicy.SQRT;
            Inst[] insts = new Inst[layers];
            int[] d2h = new int[layers];
            int[] h2d = new int[layers];
            Arrays.fill(d2h, -1);
            Arrays.fill(h2d, -1);
            int carry = emb.ids[embedT.output];
            for (int l = 0; l < layers; l++) {
                Inst in = new Inst(layerT, l);
                in.ids[layerT.input] = carry;
                insts[l] = in;
                boolean[] retain;
                if (l >= applied) {
                    retain = layerSaved;   // a kept layer of a partial policy
                } else if (recomputing) {
                    retain = new boolean[layerSaved.length];
                    retain[layerT.input] = l % seg == 0;   // checkpointed layer inputs only
                } else if (p == ActivationPolicy.SELECTIVE) {
                    retain = and(layerSaved, not(layerCore));
                } else {
                    retain = layerSaved;
                }
                if (p == ActivationPolicy.OFFLOAD && l >= 2 && d2h[l - 2] >= 0) {
                    pendingWait = d2h[l - 2];   // at most two layers' activations on the device in forward
                }
                cacheOnly = recomputing && l < applied;
                int last = emitForward(layerT, in, Phase.FORWARD, retain, all, false);
                cacheOnly = false;
                carry = in.ids[layerT.output];
                if (p == ActivationPolicy.OFFLOAD && l >= 1 && hostAct[l - 1] >= 0) {
                    releaseOffloaded(insts[l - 1], layerSaved);
                }
                if (hostAct[l] >= 0) {
                    d2h[l] = emit(OpKind.COPY_D2H, StreamKind.COPY, Phase.FORWARD, l, "L" + l + ".offload",
                            0, layerSavedBytes, layerSavedBytes, 0, 0, 0, 0, hostAct[l],
                            liveSaved(in, layerSaved), new int[]{hostAct[l]}, new int[]{last});
                }
            }
            Inst head = new Inst(headT, -1);
            head.ids[headT.input] = carry;
            emitForward(headT, head, Phase.FORWARD, headT.saved(), fill(headT.ops.size(), true), false);
            for (int t : castCacheOnly) {   // leaving the autocast region clears its cache
                free(t, StreamKind.COMPUTE, Phase.FORWARD);
            }
            castCacheOnly.clear();

            // ---- one micro-batch: backward
            int grad = emitBackward(headT, head, -1, -1);
            for (int l = layers - 1; l >= 0; l--) {
                Inst in = insts[l];
                if (recomputing && l < applied && (l == layers - 1 || (l + 1) % seg == 0)) {
                    // entering a segment from its end: recompute it from its checkpoint
                    int first = l - l % seg;
                    for (int j = first; j <= l; j++) {
                        if (j > first) {
                            insts[j].ids[layerT.input] = insts[j - 1].ids[layerT.output];
                        }
                        emitForward(layerT, insts[j], Phase.RECOMPUTE, layerSaved, all, j == l);
                    }
                } else if (p == ActivationPolicy.SELECTIVE && l < applied) {
                    emitForward(layerT, in, Phase.RECOMPUTE, layerSaved, coreOps, false);
                }
                if (p == ActivationPolicy.OFFLOAD) {
                    if (l >= 1 && hostAct[l - 1] >= 0) {
                        h2d[l - 1] = prefetch(insts[l - 1], layerSaved, hostAct[l - 1]);
                    }
                    if (h2d[l] >= 0) {
                        pendingWait = h2d[l];
                    }
                }
                grad = emitBackward(layerT, in, grad, l);
            }
            emitBackward(embedT, emb, grad, -1);
            int bodyEnd = ops.size();

            // ---- optimizer, once per step
            double updateFlops = state.updateFlops();
            if (s.optimizerOffload()) {
                int down = emit(OpKind.COPY_D2H, StreamKind.COPY, Phase.OPTIMIZER, -1, "gradients.to_host", 0,
                        gradBytes, gradBytes, 0, 0, 0, 0, hostGrads, new int[]{grads}, new int[]{hostGrads},
                        new int[]{bodyEnd - 1});
                long hostOpt = tensors.get(optState).bytes();
                int upd = emit(OpKind.HOST_OPTIMIZER, StreamKind.HOST, Phase.OPTIMIZER, -1, "optimizer.host_update",
                        updateFlops, hostOpt + gradBytes, hostOpt, 0, 0, 0, 0, -1, new int[]{hostGrads, optState},
                        new int[]{optState}, new int[]{down});
                emit(OpKind.COPY_H2D, StreamKind.COPY, Phase.OPTIMIZER, -1, "weights.to_device", 0, weightBytes,
                        weightBytes, 0, 0, 0, 0, weights, new int[]{optState}, new int[]{weights}, new int[]{upd});
            } else {
                emit(OpKind.OPTIMIZER, StreamKind.COMPUTE, Phase.OPTIMIZER, -1, "optimizer.update", updateFlops,
                        state.optimizerReadBytes(), state.optimizerWriteBytes(), 0, 0, 0, 0, -1,
                        new int[]{grads, optState}, new int[]{optState, weights}, new int[0]);
            }
            int[] st = statics.stream().mapToInt(Integer::intValue).toArray();
            return new Schedule(w, s, java.util.Collections.unmodifiableList(tensors),
                    java.util.Collections.unmodifiableList(ops), bodyEnd, st, perLayerKept());
        }

        /**
         * Bytes kept per layer by the policy's forward pass, averaged over the layers for sqrt and
         * for a partial policy (its layers at the policy's bytes, the others at keep's).
         */
        private long perLayerKept() {
            return keptPerLayer(s, layers, layerSavedBytes, layerT.savedBytes(false),
                    layerT.tensors.get(layerT.input).bytes());
        }

        private int staticTensor(String name, long bytes, MemoryCategory c, Location loc) {
            int id = tensor(name, bytes, c, loc, -1);
            statics.add(id);
            return id;
        }

        private int tensor(String name, long bytes, MemoryCategory c, Location loc, int layer) {
            int id = tensors.size();
            tensors.add(new Tensor(id, name, bytes, c, loc, layer));
            return id;
        }

        private int emit(OpKind kind, StreamKind stream, Phase phase, int layer, String name, double flops, long read,
                         long written, int m, int n, int k, int batch, int tensor, int[] in, int[] out, int[] wait) {
            return emit(kind, stream, phase, layer, name, flops, read, written, m, n, k, batch, tensor, in, out, wait,
                    null, null);
        }

        private int emit(OpKind kind, StreamKind stream, Phase phase, int layer, String name, double flops, long read,
                         long written, int m, int n, int k, int batch, int tensor, int[] in, int[] out, int[] wait,
                         OpTemplate template, OpPass pass) {
            int idx = ops.size();
            if (pendingWait >= 0 && stream == StreamKind.COMPUTE) {
                wait = Arrays.copyOf(wait, wait.length + 1);
                wait[wait.length - 1] = pendingWait;
                pendingWait = -1;
            }
            ops.add(new Op(idx, kind, stream, phase, layer, name, flops, read, written, m, n, k, batch, tensor,
                    in, out, wait, template, pass));
            return idx;
        }

        private void alloc(int t, StreamKind stream, Phase phase) {
            Tensor x = tensors.get(t);
            emit(OpKind.ALLOC, stream, phase, x.layer(), x.name(), 0, 0, 0, 0, 0, 0, 0, t, NONE, NONE, NONE);
        }

        private void free(int t, StreamKind stream, Phase phase) {
            Tensor x = tensors.get(t);
            emit(OpKind.FREE, stream, phase, x.layer(), x.name(), 0, 0, 0, 0, 0, 0, 0, t, NONE, NONE, NONE);
        }

        private String prefix(Section sec, int layer) {
            return layer >= 0 ? "L" + layer + "." : sec.name + ".";
        }

        /**
         * Emits the forward work of the ops selected by {@code mask}; tensors not retained are
         * freed after their last forward use; the section output stays live unless
         * {@code freeOutput}. Returns the index of the last kernel emitted.
         */
        private final java.util.IdentityHashMap<boolean[], int[]> lastUseCache = new java.util.IdentityHashMap<>();

        private int[] lastUse(Section sec, boolean[] mask) {
            return lastUseCache.computeIfAbsent(mask, k -> {
                int[] lastUse = new int[sec.tensors.size()];
                Arrays.fill(lastUse, -1);
                for (int i = 0; i < sec.ops.size(); i++) {
                    if (!mask[i]) {
                        continue;
                    }
                    for (int t : sec.ops.get(i).in()) {
                        lastUse[t] = i;
                    }
                    for (int t : sec.ops.get(i).out()) {
                        lastUse[t] = Math.max(lastUse[t], i);
                    }
                }
                return lastUse;
            });
        }

        private final java.util.IdentityHashMap<boolean[], int[][]> lastUsedByCache = new java.util.IdentityHashMap<>();

        /** For each op, the tensors whose last forward use it is. */
        private int[][] lastUsedBy(Section sec, boolean[] mask, int[] lastUse) {
            return lastUsedByCache.computeIfAbsent(mask, k -> {
                int[][] out = new int[sec.ops.size()][];
                for (int i = 0; i < out.length; i++) {
                    final int op = i;
                    out[i] = java.util.stream.IntStream.range(0, lastUse.length).filter(t -> lastUse[t] == op).toArray();
                }
                return out;
            });
        }

        private int emitForward(Section sec, Inst inst, Phase phase, boolean[] retain, boolean[] mask,
                                boolean freeOutput) {
            int n = sec.tensors.size();
            int[] lastUse = lastUse(sec, mask);
            String pre = prefix(sec, inst.layer);
            int last = -1;
            for (int i = 0; i < sec.ops.size(); i++) {
                if (!mask[i]) {
                    continue;
                }
                Section.F f = sec.ops.get(i);
                for (int t : f.out()) {
                    Section.T tt = sec.tensors.get(t);
                    MemoryCategory c = retain[t] || t == sec.output ? MemoryCategory.ACTIVATIONS : MemoryCategory.TRANSIENT;
                    inst.ids[t] = tensor(pre + tt.name(), tt.bytes(), c, Location.DEVICE, inst.layer);
                    alloc(inst.ids[t], StreamKind.COMPUTE, phase);
                }
                for (int t : f.in()) {
                    if (inst.ids[t] < 0) {   // section inputs that are data (token ids, targets)
                        Section.T tt = sec.tensors.get(t);
                        inst.ids[t] = tensor(pre + tt.name(), tt.bytes(), MemoryCategory.ACTIVATIONS, Location.DEVICE,
                                inst.layer);
                        alloc(inst.ids[t], StreamKind.COMPUTE, phase);
                    }
                }
                if (autocast && f.kind() == OpKind.GEMM && f.weight()) {
                    weightCast(f, i, inst, pre, phase);
                }
                last = emitKernel(f, f.kind(), OpPass.FORWARD, pre, phase, inst, f.in(), f.out(), f.flops(), f.m(),
                        f.n(), f.k(), f.batch());
                for (int t : lastUsedBy(sec, mask, lastUse)[i]) {
                    boolean outputKept = t == sec.output && !freeOutput;
                    if (!retain[t] && !outputKept && inst.ids[t] >= 0) {
                        free(inst.ids[t], StreamKind.COMPUTE, phase);
                        inst.ids[t] = -1;
                    }
                }
            }
            return last;
        }

        /**
         * Autocast: the cast of a weight GEMM's fp32 weight ({@code k x n}) to the 16-bit copy the GEMM
         * reads, once per forward (and again in a recomputation, whose autocast region is a new one).
         */
        private void weightCast(Section.F f, int op, Inst inst, String pre, Phase phase) {
            long elems = (long) f.k() * f.n();
            int copy = tensor(pre + f.name() + ".weight16", elems * weightElemBytes, MemoryCategory.TRANSIENT,
                    Location.DEVICE, inst.layer);
            alloc(copy, StreamKind.COMPUTE, phase);
            emit(OpKind.ELEMENTWISE, StreamKind.COMPUTE, phase, inst.layer, pre + f.name() + "."
                    + OpTemplate.WEIGHT_CAST.id(), 0, 4 * elems, weightElemBytes * elems, 0, 0, 0, 0, -1,
                    new int[]{weightsTensor}, new int[]{copy}, NONE, OpTemplate.WEIGHT_CAST, OpPass.FORWARD);
            if (cacheOnly) {
                castCacheOnly.add(copy);
            } else {
                inst.weightCopy[op] = copy;
            }
        }

        /**
         * Autocast: the 16-bit weight gradient of a weight GEMM cast back to fp32 and added into the
         * fp32 gradients (read 2 + 4, write 4 bytes per element), after which the weight copy is freed.
         */
        private void weightCastBack(Section.F f, int op, Inst inst, String pre, int grad16) {
            long elems = (long) f.k() * f.n();
            int grads = gradsTensor;
            emit(OpKind.ELEMENTWISE, StreamKind.COMPUTE, Phase.BACKWARD, inst.layer, pre + f.name() + "."
                    + OpTemplate.WEIGHT_CAST.id() + OpPass.BWD.suffix(), 0, (weightElemBytes + 4) * elems, 4 * elems,
                    0, 0, 0, 0, -1, new int[]{grad16, grads}, new int[]{grads}, NONE, OpTemplate.WEIGHT_CAST,
                    OpPass.BWD);
            free(grad16, StreamKind.COMPUTE, Phase.BACKWARD);
            if (inst.weightCopy[op] >= 0) {
                free(inst.weightCopy[op], StreamKind.COMPUTE, Phase.BACKWARD);
                inst.weightCopy[op] = -1;
            }
        }

        /** A kernel of a section operation, named prefix + operation + pass ({@code L3.attn.scores.dgrad}). */
        private int emitKernel(Section.F f, OpKind kind, OpPass pass, String pre, Phase phase, Inst inst, int[] in,
                               int[] out, double flops, int m, int n, int k, int batch) {
            long read;
            long written;
            if (kind == OpKind.GEMM) {
                long e = weightElemBytes;
                read = e * ((long) m * k + (long) k * n) * batch;
                written = e * (long) m * n * batch;
            } else {
                read = bytes(inst, in);
                written = bytes(inst, out);
            }
            return emit(kind, StreamKind.COMPUTE, phase, inst.layer, pre + f.name() + pass.suffix(), flops, read, written,
                    m, n, k, batch, -1, ids(inst.ids, in), ids(inst.ids, out), NONE, f.template(), pass);
        }

        /**
         * Emits the backward of a section in reverse op order; returns the gradient of its input
         * (left live for the section before it), or -1.
         */
        private int emitBackward(Section sec, Inst inst, int gradOut, int layer) {
            int n = sec.tensors.size();
            int[] g = new int[n];
            Arrays.fill(g, -1);
            if (sec.output >= 0) {
                g[sec.output] = gradOut;
            }
            // a saved tensor is freed after the backward op that reads it last (the earliest forward op)
            int[][] freeAfter = sec.freeAfterBackward();
            boolean[] gradIn = sec.opHasGradInput();
            String pre = prefix(sec, layer);
            for (int i = sec.ops.size() - 1; i >= 0; i--) {
                Section.F f = sec.ops.get(i);
                for (int t : f.in()) {
                    if (sec.tensors.get(t).grad() && g[t] < 0) {
                        Section.T tt = sec.tensors.get(t);
                        g[t] = tensor(pre + tt.name() + ".grad", tt.bytes(), MemoryCategory.TRANSIENT, Location.DEVICE,
                                layer);
                        alloc(g[t], StreamKind.COMPUTE, Phase.BACKWARD);
                    }
                }
                boolean needsWork = f.weight() || gradIn[i];
                if (needsWork) {
                    int[] reads = concat(ids(inst.ids, f.bwd()), ids(g, f.out()));
                    int[] writes = ids(g, f.in());
                    if (f.kind() == OpKind.GEMM) {
                        // C[m,n] = A[m,k] B[k,n]: dA = dC B^T is (m,k,n); dB = A^T dC is (k,n,m)
                        emitKernel(f, OpKind.GEMM, OpPass.DGRAD, pre, Phase.BACKWARD, inst, NONE, NONE,
                                f.flops(), f.m(), f.k(), f.n(), f.batch());
                        fixLast(reads, writes);
                        int grad16 = -1;
                        if (autocast && f.weight()) {   // the weight-gradient GEMM writes a 16-bit gradient
                            grad16 = tensor(pre + f.name() + ".wgrad16", (long) f.k() * f.n() * weightElemBytes,
                                    MemoryCategory.TRANSIENT, Location.DEVICE, layer);
                            alloc(grad16, StreamKind.COMPUTE, Phase.BACKWARD);
                        }
                        emitKernel(f, OpKind.GEMM, f.weight() ? OpPass.WGRAD : OpPass.DGRAD2, pre, Phase.BACKWARD,
                                inst, NONE, NONE, f.flops(), f.k(), f.n(), f.m(), f.batch());
                        fixLast(reads, grad16 >= 0 ? concat(writes, new int[]{grad16}) : writes);
                        if (grad16 >= 0) {
                            weightCastBack(f, i, inst, pre, grad16);
                        }
                    } else {
                        emitKernel(f, f.kind(), OpPass.BWD, pre, Phase.BACKWARD, inst, NONE, NONE,
                                f.flops() * f.bwdFlopsFactor(), f.m(), f.n(), f.k(), f.batch());
                        Op last = ops.get(ops.size() - 1);
                        ops.set(ops.size() - 1, new Op(last.index(), last.kind(), last.stream(), last.phase(),
                                last.layer(), last.name(), last.flops(), sum(reads), sum(writes), last.m(), last.n(),
                                last.k(), last.batchCount(), -1, reads, writes, last.waitFor(), last.template(), last.pass()));
                    }
                }
                for (int t : f.out()) {
                    if (g[t] >= 0) {
                        free(g[t], StreamKind.COMPUTE, Phase.BACKWARD);
                        g[t] = -1;
                    }
                }
                for (int t : freeAfter[i]) {
                    if (inst.ids[t] >= 0) {
                        free(inst.ids[t], StreamKind.COMPUTE, Phase.BACKWARD);
                        inst.ids[t] = -1;
                    }
                }
            }
            // data inputs with no backward reader (e.g. an MLP's input batch) go at the end
            for (int t = 0; t < n; t++) {
                if (inst.ids[t] >= 0 && t != sec.input && t != sec.output) {
                    free(inst.ids[t], StreamKind.COMPUTE, Phase.BACKWARD);
                    inst.ids[t] = -1;
                }
            }
            return sec.input >= 0 ? g[sec.input] : -1;
        }

        private void fixLast(int[] reads, int[] writes) {
            Op last = ops.get(ops.size() - 1);
            ops.set(ops.size() - 1, new Op(last.index(), last.kind(), last.stream(), last.phase(), last.layer(),
                    last.name(), last.flops(), last.bytesRead(), last.bytesWritten(), last.m(), last.n(), last.k(),
                    last.batchCount(), -1, reads, writes, last.waitFor(), last.template(), last.pass()));
        }

        /** Frees (on the copy stream, after its copy) the device copies of an offloaded layer. */
        private void releaseOffloaded(Inst in, boolean[] saved) {
            for (int t = 0; t < saved.length; t++) {
                if (saved[t] && t != layerT.output && in.ids[t] >= 0) {
                    free(in.ids[t], StreamKind.COPY, Phase.FORWARD);
                    in.ids[t] = -1;
                }
            }
        }

        /** Allocates a layer's saved tensors and copies them back from the host; returns the copy's index. */
        private int prefetch(Inst in, boolean[] saved, int host) {
            String pre = "L" + in.layer + ".";
            for (int t = 0; t < saved.length; t++) {
                if (saved[t] && t != layerT.output) {
                    Section.T tt = layerT.tensors.get(t);
                    in.ids[t] = tensor(pre + tt.name(), tt.bytes(), MemoryCategory.ACTIVATIONS, Location.DEVICE, in.layer);
                    alloc(in.ids[t], StreamKind.COPY, Phase.BACKWARD);
                }
            }
            long bytes = layerSavedBytes;
            return emit(OpKind.COPY_H2D, StreamKind.COPY, Phase.BACKWARD, in.layer, pre + "prefetch", 0, bytes, bytes,
                    0, 0, 0, 0, host, new int[]{host}, liveSaved(in, saved), NONE);   // after its D2H: same stream
        }

        private int[] liveSaved(Inst in, boolean[] saved) {
            int c = 0;
            for (int t = 0; t < saved.length; t++) {
                if (saved[t] && t != layerT.output && in.ids[t] >= 0) {
                    c++;
                }
            }
            int[] out = new int[c];
            c = 0;
            for (int t = 0; t < saved.length; t++) {
                if (saved[t] && t != layerT.output && in.ids[t] >= 0) {
                    out[c++] = in.ids[t];
                }
            }
            return out;
        }

        private long bytes(Inst inst, int[] templ) {
            long b = 0;
            for (int t : templ) {
                if (inst.ids[t] >= 0) {
                    b += tensors.get(inst.ids[t]).bytes();
                }
            }
            return b;
        }

        private long sum(int[] ids) {
            long b = 0;
            for (int id : ids) {
                b += tensors.get(id).bytes();
            }
            return b;
        }

        private static int[] ids(int[] map, int[] templ) {
            int c = 0;
            for (int t : templ) {
                if (map[t] >= 0) {
                    c++;
                }
            }
            int[] out = new int[c];
            c = 0;
            for (int t : templ) {
                if (map[t] >= 0) {
                    out[c++] = map[t];
                }
            }
            return out;
        }

        private static int[] concat(int[] a, int[] b) {
            int[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }

        private static boolean[] fill(int n, boolean v) {
            boolean[] b = new boolean[n];
            Arrays.fill(b, v);
            return b;
        }

        private static boolean[] not(boolean[] a) {
            boolean[] b = new boolean[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = !a[i];
            }
            return b;
        }

        private static boolean[] and(boolean[] a, boolean[] c) {
            boolean[] b = new boolean[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = a[i] && c[i];
            }
            return b;
        }

        private static final int[] NONE = new int[0];
    }

}
