package io.accessplan.features.plan;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;


/**
 * Closed-form estimates of a {@link Plan}, for lookups that cannot afford to build a schedule.
 *
 * <p>Building the schedule of a step costs time proportional to its operations (thousands for a
 * large model); a recommendation scores ~40 strategies per workload and must answer in well
 * under a millisecond. The estimator reads the same section templates the planner expands
 * ({@link Section}) and sums them in closed form: parameters, model state, FLOPs, recomputed
 * FLOPs, PCIe bytes and per-layer activation bytes are <em>exactly</em> the planner's (a test pins
 * this); stored activations, device traffic and the peak are estimates of the timeline's values
 * (the peak as model state + stored activations + the largest backward working set). The feature
 * encoder uses it at training and lookup time alike, so both see the same numbers.
 */
public final class Estimator {
    private Estimator() {
    }

    /** A run of kernels of one section (its forward, the attention core within it, or its backward). */
    private static final class Kernels {
        double ms;          // at their roofline
        double launchMs;    // each at least one launch interval
        double gemmMs;      // of which GEMMs and fused attention
        int count;

        void add(double t, double launchInterval, boolean gemm) {
            ms += t;
            launchMs += Math.max(t, launchInterval);
            gemmMs += gemm ? t : 0;
            count += 1;
        }
    }

    /** The recomputed forward of a policy that recomputes nothing: no kernels (never added to). */
    private static final Kernels NO_KERNELS = new Kernels();

    /**
     * One walk over a section template's operations: its sums (FLOPs, traffic, stored and working
     * bytes, device-independent) and its kernel times on one device, read by the plan and the
     * timing of every strategy that expands this template.
     */
    private static final class Walk implements Section.Ops {
        double fwdFlops;
        double coreFlops;
        double bwdFlops;
        long fwdTraffic;
        long bwdTraffic;
        long savedAll;
        long savedNonCore;
        long input;
        long maxWorkingSet;
        final Kernels fwd = new Kernels();
        final Kernels core = new Kernels();
        final Kernels bwd = new Kernels();
        double dimFlops;      // GEMM FLOPs (forward and both backward GEMMs) times log2 of the smallest dimension
        double flopsForDim;   // the GEMM FLOPs those weights sum
        long weightCopyBytes; // autocast: the 16-bit copies of the section's GEMM weights
        long repeated;        // bytes every micro-batch moves again whatever its size (Traffic#microBatchHbmBytes)

        private final long e;
        private final double peak;
        private final double bw;
        private final double launchInterval;
        private final boolean autocast;

        private Walk(long e, double peak, double bw, double launchInterval, boolean autocast) {
            this.e = e;
            this.peak = peak;
            this.bw = bw;
            this.launchInterval = launchInterval;
            this.autocast = autocast;
        }

        /** The parts of {@link #of}: a layer, the embedding, the head. */
        static final int LAYER = 0;
        static final int EMBEDDING = 1;
        static final int HEAD = 2;

        /**
         * The walk of a section template ({@link Section#layer}, {@link Section#embedding} or
         * {@link Section#head}: {@code part}) at {@code b} samples, summed as the template adds its
         * operations: the section stores none of them (nor its tensors' records), which it would
         * build only to be read once here. Over {@code PredictorBenchmark}'s workloads the templates
         * of one micro-batch size and a keep estimate took 1.08 us stored and walked after, 0.79 us
         * walked as built (fastest of 40 rounds), -3.2% CPU time a lookup (six alternated runs).
         */
        static Walk of(Workload workload, int part, int b, long e, double peak, double bw, double launchInterval,
                       boolean autocast) {
            Walk w = new Walk(e, peak, bw, launchInterval, autocast);
            Section s = switch (part) {
                case LAYER -> Section.layer(workload, b, w);
                case EMBEDDING -> Section.embedding(workload, b, w);
                default -> Section.head(workload, b, w);
            };
            long[] saved = s.savedBytes();
            w.savedAll = saved[0];
            w.savedNonCore = saved[1];
            w.input = s.input >= 0 ? s.bytes[s.input] : 0;
            return w;
        }

        /** One operation's sums and kernel times, in the template's order (the sums' order). */
        @Override
        public void op(Section s, OpKind kind, int[] in, int[] out, int[] reads, double flops, int m, int n, int k,
                       int batch, boolean weight, boolean inCore, double bwdFlopsFactor) {
            fwdFlops += flops;
            if (inCore) {
                coreFlops += flops;
            }
            // a backward where the op has a weight or an input that takes a gradient
            // (Section#opHasGradInput)
            boolean needsWork = weight || anyOf(s.grad, in);
            long gradIn = gradBytes(s, in);
            long gradOut = gradBytes(s, out);
            boolean gemm = kind == OpKind.GEMM || kind == OpKind.FUSED_ATTENTION;
            double tf;
            double tb1 = -1;
            double tb2 = -1;
            if (kind == OpKind.GEMM) {
                long mm = m;
                long nn = n;
                long kk = k;
                long b = batch;
                long fwdBytes = e * (mm * kk + kk * nn + mm * nn) * b;
                fwdTraffic += fwdBytes;
                tf = kernel(flops, fwdBytes, peak, bw);
                if (needsWork) {
                    // the data gradient and the weight gradient, one GEMM each
                    long dataGrad = e * (mm * nn + nn * kk + mm * kk) * b;
                    long weightGrad = e * (kk * mm + mm * nn + kk * nn) * b;
                    bwdFlops += 2 * flops;
                    bwdTraffic += e * ((mm * nn + nn * kk + mm * kk) + (kk * mm + mm * nn + kk * nn)) * b;
                    tb1 = kernel(flops, dataGrad, peak, bw);
                    tb2 = kernel(flops, weightGrad, peak, bw);
                }
                if (autocast && weight) {
                    // the planner's weight cast before the GEMM and, after its weight gradient,
                    // the cast back to fp32 added into the gradients
                    long elems = kk * nn;
                    weightCopyBytes += e * elems;
                    fwdTraffic += (4 + e) * elems;
                    fwd.add(kernel(0, (4 + e) * elems, peak, bw), launchInterval, false);
                    bwdTraffic += (e + 8) * elems;
                    bwd.add(kernel(0, (e + 8) * elems, peak, bw), launchInterval, false);
                    repeated += (4 + e) * elems + (e + 8) * elems;   // whole weights, every micro-batch
                }
                if (weight) {
                    // the weight read by the forward and data-gradient GEMMs, its gradient written
                    // by the weight-gradient GEMM (Traffic.weightOperandBytes)
                    repeated += (needsWork ? 3 : 1) * e * kk * nn * b;
                }
                double minDim = Math.max(1, Math.min(mm, Math.min(nn, kk)));
                dimFlops += 3 * flops * floorLog2(minDim);
                flopsForDim += 3 * flops;
            } else {
                if (kind == OpKind.LOSS) {
                    repeated += Section.LOSS_BYTES;   // the loss scalar, written once per micro-batch
                }
                long fwdBytes = sum(s.bytes, in) + sum(s.bytes, out);
                fwdTraffic += fwdBytes;
                tf = kernel(flops, fwdBytes, peak, bw);
                if (needsWork) {
                    long bwdBytes = sum(s.bytes, reads) + gradOut + gradIn;
                    bwdFlops += flops * bwdFlopsFactor;
                    bwdTraffic += bwdBytes;
                    tb1 = kernel(flops * bwdFlopsFactor, bwdBytes, peak, bw);
                }
            }
            maxWorkingSet = Math.max(maxWorkingSet, gradIn + gradOut);
            fwd.add(tf, launchInterval, gemm);
            if (inCore) {
                core.add(tf, launchInterval, gemm);
            }
            if (tb1 >= 0) {
                bwd.add(tb1, launchInterval, gemm);
            }
            if (tb2 >= 0) {
                bwd.add(tb2, launchInterval, gemm);
            }
        }

        /** The bytes of those of tensors {@code ids} that take a gradient. */
        private static long gradBytes(Section s, int[] ids) {
            long b = 0;
            for (int t : ids) {
                b += s.grad[t] ? s.bytes[t] : 0;
            }
            return b;
        }

        /** Whether {@code flag} holds for one of tensors {@code ids}. */
        private static boolean anyOf(boolean[] flag, int[] ids) {
            boolean any = false;
            for (int t : ids) {
                any |= flag[t];
            }
            return any;
        }

        /** The sum of {@code bytes} over tensors {@code ids}. */
        private static long sum(long[] bytes, int[] ids) {
            long b = 0;
            for (int t : ids) {
                b += bytes[t];
            }
            return b;
        }

        private static double kernel(double flops, double bytes, double peak, double bw) {
            return Math.max(flops / peak, bytes / bw) * 1e3;
        }
    }

    /**
     * {@code Math.floor(Math.log(x) / Math.log(2))} for a whole {@code x >= 1} below 2^31, as
     * computed in doubles, without the two logarithms: the position of the highest set bit, but
     * at a power of two the doubles' quotient itself (it may fall an ulp below the integer:
     * {@link #POWER_LOG2}). Elsewhere the quotient is within 1e-14 of log2 x, which is at least
     * 6e-10 from every integer below 2^31, so its floor is the highest bit's position.
     */
    static double floorLog2(double x) {
        long v = (long) x;
        if (v != x || v < 1 || v >= 1L << 31) {
            return Math.floor(Math.log(x) / Math.log(2));
        }
        int bit = 63 - Long.numberOfLeadingZeros(v);
        return (v & (v - 1)) == 0 ? POWER_LOG2[bit] : bit;
    }

    /** {@code Math.floor(Math.log(2^i) / Math.log(2))}, as the doubles give it, for i below 31. */
    private static final double[] POWER_LOG2 = new double[31];

    static {
        for (int i = 0; i < POWER_LOG2.length; i++) {
            POWER_LOG2[i] = Math.floor(Math.log(1L << i) / Math.log(2));
        }
    }

    /**
     * The walked templates (layer, embedding, head) of a workload, one set per micro-batch size,
     * and its model state: everything of an estimate that does not depend on the strategy.
     */
    private static final class Templates {
        private final Workload w;
        private final ModelState state;
        private final long e;
        private final double peak;
        private final double bw;
        private final double launchInterval;
        private final boolean autocast;
        private final Walk[][] byMicroBatches = new Walk[9][];

        Templates(Workload w, double launchInterval) {
            this.w = w;
            this.e = w.training().precision().bytes();
            this.peak = w.device().peakTflops(w.training().precision()) * 1e12;
            this.bw = w.device().memBandwidthGBps() * 1e9;
            this.launchInterval = launchInterval;
            this.autocast = w.training().autocast();
            this.state = ModelState.of(w);
        }

        /** Layer, embedding and head at {@code k} micro-batches. */
        Walk[] at(int k) {
            if (byMicroBatches[k] == null) {
                int b = w.training().batch() / k;
                byMicroBatches[k] = new Walk[]{Walk.of(w, Walk.LAYER, b, e, peak, bw, launchInterval, autocast),
                        Walk.of(w, Walk.EMBEDDING, b, e, peak, bw, launchInterval, autocast),
                        Walk.of(w, Walk.HEAD, b, e, peak, bw, launchInterval, autocast)};
            }
            return byMicroBatches[k];
        }
    }

    /**
     * Kernel-level times of every given strategy of a workload: each kernel at the longer of its
     * FLOPs at the precision's peak and its bytes at the memory bandwidth, and at least one launch
     * interval.
     *
     * @param launchMs  launch interval of one kernel (ms)
     * @param hostFlops host optimizer rate (FLOP/s)
     */
    public static StepEstimate[] timeAll(Workload w, java.util.List<Strategy> strategies, double launchMs,
                                         double hostFlops) {
        Estimate[] all = all(w, strategies, launchMs, hostFlops);
        StepEstimate[] out = new StepEstimate[all.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = all[i].step();
        }
        return out;
    }

    /**
     * The estimated plan and the kernel-level times of every given strategy of a workload, from one
     * walk of each template: what the feature encoder reads.
     */
    public static Estimate[] all(Workload w, java.util.List<Strategy> strategies, double launchMs, double hostFlops) {
        Templates t = templates(w, launchMs);
        Estimate[] out = new Estimate[strategies.size()];
        for (int i = 0; i < out.length; i++) {
            Strategy s = strategies.get(i);
            s.checkValidFor(w);
            Walk[] at = t.at(s.microBatches());
            out[i] = new Estimate(estimate(w, t.state, s, at[0], at[1], at[2]),
                    time(w, t.state, s, at[0], at[1], at[2], launchMs, hostFlops));
        }
        return out;
    }

    /**
     * Each thread's templates of the workload it estimated last. A lookup asks for the same
     * workload object several times (its candidates, then each round of the layer search's
     * probes), and the templates are a function of the workload and the launch interval alone
     * (both immutable), so they are walked once a lookup, not once a call. Per thread, so no
     * locking; one workload's templates held a thread.
     */
    private static final ThreadLocal<Templates> LAST = new ThreadLocal<>();

    private static Templates templates(Workload w, double launchMs) {
        Templates t = LAST.get();
        // the same object (not merely an equal one: equals costs more than it saves) and interval
        if (t == null || t.w != w || Double.doubleToLongBits(t.launchInterval) != Double.doubleToLongBits(launchMs)) {
            t = new Templates(w, launchMs);
            LAST.set(t);
        }
        return t;
    }

    /**
     * A strategy's closed-form estimates.
     *
     * @param plan the estimated plan
     * @param step the kernel-level step estimate
     */
    public record Estimate(Plan plan, StepEstimate step) {
    }

    private static StepEstimate time(Workload w, ModelState state, Strategy s, Walk l, Walk em, Walk h,
                                     double launchMs, double hostFlops) {
        double peak = w.device().peakTflops(w.training().precision()) * 1e12;
        double bw = w.device().memBandwidthGBps() * 1e9;
        double pcie = w.device().pcieGBps() * 1e9;
        int layers = w.model().layers();
        int k = s.microBatches();
        ActivationPolicy p = s.policy();
        boolean whole = p == ActivationPolicy.FULL || p == ActivationPolicy.SQRT;
        boolean selective = p == ActivationPolicy.SELECTIVE;
        Kernels rc = whole ? l.fwd : selective ? l.core : NO_KERNELS;   // the recomputed forward of a layer
        int n = s.appliedLayers(layers);   // the layers that recompute (all of them for sqrt)
        double body = em.fwd.ms + em.bwd.ms + h.fwd.ms + h.bwd.ms + layers * (l.fwd.ms + l.bwd.ms) + n * rc.ms;
        double bodyL = em.fwd.launchMs + em.bwd.launchMs + h.fwd.launchMs + h.bwd.launchMs
                + layers * (l.fwd.launchMs + l.bwd.launchMs) + n * rc.launchMs;
        double bodyG = em.fwd.gemmMs + em.bwd.gemmMs + h.fwd.gemmMs + h.bwd.gemmMs
                + layers * (l.fwd.gemmMs + l.bwd.gemmMs) + n * rc.gemmMs;
        int bodyK = em.fwd.count + em.bwd.count + h.fwd.count + h.bwd.count
                + layers * (l.fwd.count + l.bwd.count) + n * rc.count;
        double dimFlops = em.dimFlops + h.dimFlops + layers * l.dimFlops;
        double flopsForDim = em.flopsForDim + h.flopsForDim + layers * l.flopsForDim;
        long weights = state.weightBytes();
        double update = state.updateFlops();
        double tailT = 0;
        double tailL = 0;
        int tailK = 0;
        double optCopy = 0;
        double host = 0;
        if (s.optimizerOffload()) {
            optCopy = 2.0 * weights / pcie * 1e3;
            host = update / hostFlops * 1e3;
        } else {
            tailT = Math.max(update / peak, (double) (state.optimizerReadBytes() + state.optimizerWriteBytes()) / bw) * 1e3;
            tailL = Math.max(tailT, launchMs);
            tailK = 1;
        }
        double actCopy = p == ActivationPolicy.OFFLOAD ? 2.0 * k * offloadedLayers(s, layers) * l.savedAll / pcie * 1e3
                : 0;
        return new StepEstimate(k * body + tailT, k * bodyL + tailL, k * bodyG, k * bodyK + tailK,
                flopsForDim > 0 ? dimFlops / flopsForDim : 0, actCopy, optCopy, host);
    }

    /** Layers whose activations an offload strategy copies to the host: its layers but the last of the model. */
    private static int offloadedLayers(Strategy s, int layers) {
        return s.policy() == ActivationPolicy.OFFLOAD ? Math.min(s.appliedLayers(layers), layers - 1) : 0;
    }

    /** The estimated plan of a strategy for a workload; throws if the strategy is not a candidate. */
    public static Plan estimate(Workload w, Strategy s) {
        return estimateAll(w, java.util.List.of(s))[0];
    }

    private static Plan estimate(Workload w, ModelState state, Strategy s, Walk layer, Walk embed, Walk head) {
        long params = state.parameters();
        long weightBytes = state.weightBytes();
        long gradBytes = state.gradientBytes();
        long optDevice = state.optimizerOnDevice(s.optimizerOffload());
        long optHost = state.optimizerOnHost(s.optimizerOffload());
        long context = Planner.CUDA_CONTEXT_BYTES + Planner.CUBLAS_WORKSPACE_BYTES;
        long statics = context + weightBytes + gradBytes + optDevice;
        int layers = w.model().layers();
        int k = s.microBatches();
        ActivationPolicy p = s.policy();
        int n = s.appliedLayers(layers);   // layers under the policy; the other m are kept
        int m = layers - n;
        int offloaded = offloadedLayers(s, layers);

        double recompute = switch (p) {
            case FULL, SQRT -> n * layer.fwdFlops;
            case SELECTIVE -> n * layer.coreFlops;
            default -> 0;
        };
        double body = embed.fwdFlops + embed.bwdFlops + layers * (layer.fwdFlops + layer.bwdFlops)
                + head.fwdFlops + head.bwdFlops + recompute;
        double flops = k * body + state.updateFlops();

        long recomputeTraffic = switch (p) {
            case FULL, SQRT -> n * layer.fwdTraffic;
            case SELECTIVE -> n * layer.fwdTraffic / 4;
            default -> 0;
        };
        long hbm = Math.multiplyExact(k, embed.fwdTraffic + embed.bwdTraffic
                + Math.multiplyExact(layers, layer.fwdTraffic + layer.bwdTraffic)
                + head.fwdTraffic + head.bwdTraffic + recomputeTraffic)
                + (s.optimizerOffload() ? 0 : state.optimizerReadBytes() + state.optimizerWriteBytes());

        long perLayerKept = Planner.keptPerLayer(s, layers, layer.savedAll, layer.savedNonCore, layer.input);
        long activations;
        long fixed = embed.savedAll + head.savedAll;
        int seg = Planner.segmentLength(p, layers);
        long checkpoints = (layers + seg - 1) / seg;
        long keptLayers = (long) m * layer.savedAll;   // a partial policy's kept layers
        switch (p) {
            case KEEP -> activations = fixed + layers * layer.savedAll;
            // the recomputed layer's working set comes when the kept layers above it are freed
            case SELECTIVE -> activations = fixed + n * layer.savedNonCore
                    + Math.max(keptLayers, layer.savedAll - layer.savedNonCore);
            case FULL -> activations = fixed + n * layer.input + Math.max(keptLayers, layer.savedAll);
            case SQRT -> activations = fixed + checkpoints * layer.input + Math.min(seg, layers) * layer.savedAll;
            // OFFLOAD: the device-resident layers and the one in flight (forward or prefetch)
            default -> activations = fixed + (layers - offloaded + (offloaded > 0 ? 1 : 0)) * layer.savedAll;
        }
        // autocast: at the end of a forward the autocast cache holds every weight's 16-bit copy
        long working = Math.max(layer.maxWorkingSet, head.maxWorkingSet)
                + layers * layer.weightCopyBytes + head.weightCopyBytes + embed.weightCopyBytes;
        long peak = statics + activations + working;
        long offloadPcie = p == ActivationPolicy.OFFLOAD ? 2L * k * offloaded * layer.savedAll : 0;
        long optimizerPcie = s.optimizerOffload() ? gradBytes + weightBytes : 0;
        Traffic traffic = new Traffic(hbm, k * recomputeTraffic,
                (k - 1) * (embed.repeated + layers * layer.repeated + head.repeated), offloadPcie + optimizerPcie,
                offloadPcie, optimizerPcie);
        long host = optHost + (s.optimizerOffload() ? gradBytes : 0)
                + (p == ActivationPolicy.OFFLOAD ? offloaded * layer.savedAll : 0);
        long[] breakdown = new long[CategoryBytes.COUNT];
        breakdown[MemoryCategory.CONTEXT.ordinal()] = Planner.CUDA_CONTEXT_BYTES;
        breakdown[MemoryCategory.WORKSPACE.ordinal()] = Planner.CUBLAS_WORKSPACE_BYTES;
        breakdown[MemoryCategory.WEIGHTS.ordinal()] = weightBytes;
        breakdown[MemoryCategory.GRADIENTS.ordinal()] = gradBytes;
        breakdown[MemoryCategory.OPTIMIZER.ordinal()] = optDevice;
        breakdown[MemoryCategory.ACTIVATIONS.ordinal()] = activations;
        breakdown[MemoryCategory.TRANSIENT.ordinal()] = working;
        return new Plan(w, s, params, weightBytes, gradBytes, optDevice, optHost, perLayerKept, activations, peak,
                new CategoryBytes(breakdown), statics + activations,
                peak <= w.device().memoryBytes(), flops, k * recompute, traffic, host);
    }

    /** Estimates for several strategies of one workload, sharing the templates of each micro-batch size. */
    public static Plan[] estimateAll(Workload w, java.util.List<Strategy> strategies) {
        Estimate[] all = all(w, strategies, StepEstimate.LAUNCH_MS, StepEstimate.HOST_FLOPS);
        Plan[] out = new Plan[all.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = all[i].plan();
        }
        return out;
    }
}
