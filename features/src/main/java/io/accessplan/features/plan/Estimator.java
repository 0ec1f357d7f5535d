package io.accessplan.features.plan;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.EnumMap;
import java.util.Map;

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

    /** Aggregates of one section template. */
    private record Sums(double fwdFlops, double coreFlops, double bwdFlops, long fwdTraffic, long bwdTraffic,
                        long savedAll, long savedNonCore, long input, long maxWorkingSet) {
        static Sums of(Section s, long e) {
            boolean[] saved = s.saved();
            boolean[] hasGradIn = s.opHasGradInput();
            double fwd = 0;
            double core = 0;
            double bwd = 0;
            long fwdT = 0;
            long bwdT = 0;
            long work = 0;
            for (int i = 0; i < s.ops.size(); i++) {
                Section.F f = s.ops.get(i);
                fwd += f.flops();
                if (f.core()) {
                    core += f.flops();
                }
                boolean needsWork = f.weight() || hasGradIn[i];
                long outBytes = bytes(s, f.out());
                long gradIn = 0;
                for (int t : f.in()) {
                    if (s.tensors.get(t).grad()) {
                        gradIn += s.tensors.get(t).bytes();
                    }
                }
                long gradOut = 0;
                for (int t : f.out()) {
                    if (s.tensors.get(t).grad()) {
                        gradOut += s.tensors.get(t).bytes();
                    }
                }
                if (f.kind() == OpKind.GEMM) {
                    long m = f.m();
                    long n = f.n();
                    long k = f.k();
                    long b = f.batch();
                    fwdT += e * (m * k + k * n + m * n) * b;
                    if (needsWork) {
                        bwd += 2 * f.flops();
                        bwdT += e * ((m * n + n * k + m * k) + (k * m + m * n + k * n)) * b;
                    }
                } else {
                    fwdT += bytes(s, f.in()) + outBytes;
                    if (needsWork) {
                        bwd += f.flops() * f.bwdFlopsFactor();
                        bwdT += bytes(s, f.bwd()) + gradOut + gradIn;
                    }
                }
                work = Math.max(work, gradIn + gradOut);
            }
            long all = 0;
            long nonCore = 0;
            boolean[] c = s.core();
            for (int t = 0; t < saved.length; t++) {
                if (saved[t] && t != s.output) {
                    all += s.tensors.get(t).bytes();
                    if (!c[t]) {
                        nonCore += s.tensors.get(t).bytes();
                    }
                }
            }
            long in = s.input >= 0 ? s.tensors.get(s.input).bytes() : 0;
            return new Sums(fwd, core, bwd, fwdT, bwdT, all, nonCore, in, work);
        }

        private static long bytes(Section s, int[] ids) {
            long b = 0;
            for (int t : ids) {
                b += s.tensors.get(t).bytes();
            }
            return b;
        }
    }

    /**
     * Kernel-level times of a step in closed form: each kernel at the longer of its FLOPs at the
     * precision's peak and its bytes at the memory bandwidth, and at least one launch interval.
     *
     * @param computeMs        compute-stream kernels at their roofline
     * @param launchBoundMs    the same, each at least one launch interval
     * @param gemmMs           of which GEMMs and fused attention
     * @param kernels          compute-stream kernels per step
     * @param gemmLog2Dim      FLOP-weighted mean of log2 of the smallest GEMM dimension
     * @param activationCopyMs activation offload copies at the pinned bandwidth
     * @param optimizerCopyMs  optimizer-offload copies, serial
     * @param hostMs           host optimizer update
     */
    public record Timing(double computeMs, double launchBoundMs, double gemmMs, int kernels, double gemmLog2Dim,
                         double activationCopyMs, double optimizerCopyMs, double hostMs) {
    }

    /** Per-section kernel times on one device. */
    private record Times(double fwd, double fwdLaunch, double fwdGemm, int fwdKernels, double core, double coreLaunch,
                         double coreGemm, int coreKernels, double bwd, double bwdLaunch, double bwdGemm, int bwdKernels,
                         double dimFlops, double flopsForDim, long savedAll) {
        static Times of(Section s, long e, double peak, double bw, double launchMs) {
            boolean[] hasGradIn = s.opHasGradInput();
            double[] acc = new double[14];
            for (int i = 0; i < s.ops.size(); i++) {
                Section.F f = s.ops.get(i);
                boolean needsWork = f.weight() || hasGradIn[i];
                double tf;
                double tb1 = -1;
                double tb2 = -1;
                boolean gemm = f.kind() == OpKind.GEMM || f.kind() == OpKind.FUSED_ATTENTION;
                if (f.kind() == OpKind.GEMM) {
                    long m = f.m();
                    long n = f.n();
                    long k = f.k();
                    long b = f.batch();
                    tf = kernel(f.flops(), e * (m * k + k * n + m * n) * b, peak, bw);
                    if (needsWork) {
                        tb1 = kernel(f.flops(), e * (m * n + n * k + m * k) * b, peak, bw);
                        tb2 = kernel(f.flops(), e * (k * m + m * n + k * n) * b, peak, bw);
                    }
                    double minDim = Math.max(1, Math.min(m, Math.min(n, k)));
                    acc[12] += 3 * f.flops() * Math.floor(Math.log(minDim) / Math.log(2));
                    acc[13] += 3 * f.flops();
                } else {
                    long io = Sums.bytes(s, f.in()) + Sums.bytes(s, f.out());
                    tf = kernel(f.flops(), io, peak, bw);
                    if (needsWork) {
                        long gradIn = 0;
                        for (int t : f.in()) {
                            gradIn += s.tensors.get(t).grad() ? s.tensors.get(t).bytes() : 0;
                        }
                        long gradOut = 0;
                        for (int t : f.out()) {
                            gradOut += s.tensors.get(t).grad() ? s.tensors.get(t).bytes() : 0;
                        }
                        tb1 = kernel(f.flops() * f.bwdFlopsFactor(), Sums.bytes(s, f.bwd()) + gradIn + gradOut, peak, bw);
                    }
                }
                add(acc, 0, tf, launchMs, gemm);
                if (f.core()) {
                    add(acc, 4, tf, launchMs, gemm);
                }
                if (tb1 >= 0) {
                    add(acc, 8, tb1, launchMs, gemm);
                }
                if (tb2 >= 0) {
                    add(acc, 8, tb2, launchMs, gemm);
                }
            }
            return new Times(acc[0], acc[1], acc[2], (int) acc[3], acc[4], acc[5], acc[6], (int) acc[7], acc[8],
                    acc[9], acc[10], (int) acc[11], acc[12], acc[13], s.savedBytes(true));
        }

        private static void add(double[] acc, int at, double t, double launchMs, boolean gemm) {
            acc[at] += t;
            acc[at + 1] += Math.max(t, launchMs);
            acc[at + 2] += gemm ? t : 0;
            acc[at + 3] += 1;
        }

        private static double kernel(double flops, double bytes, double peak, double bw) {
            return Math.max(flops / peak, bytes / bw) * 1e3;
        }
    }

    /**
     * Kernel-level times of every given strategy of a workload.
     *
     * @param launchMs  launch interval of one kernel (ms)
     * @param hostFlops host optimizer rate (FLOP/s)
     */
    public static Timing[] timeAll(Workload w, java.util.List<Strategy> strategies, double launchMs, double hostFlops) {
        Timing[] out = new Timing[strategies.size()];
        Times[][] cache = new Times[9][];
        long e = w.training().precision().bytes();
        double peak = w.device().peakTflops(w.training().precision()) * 1e12;
        double bw = w.device().memBandwidthGBps() * 1e9;
        double pcie = Math.min(w.device().h2dGBps(), w.device().d2hGBps()) * 1e9;
        int layers = w.model().layers();
        long params = w.parameters();
        for (int i = 0; i < out.length; i++) {
            Strategy s = strategies.get(i);
            s.checkValidFor(w);
            int k = s.microBatches();
            if (cache[k] == null) {
                int b = w.training().batch() / k;
                cache[k] = new Times[]{Times.of(Section.layer(w, b), e, peak, bw, launchMs),
                        Times.of(Section.embedding(w, b), e, peak, bw, launchMs),
                        Times.of(Section.head(w, b), e, peak, bw, launchMs)};
            }
            Times l = cache[k][0];
            Times em = cache[k][1];
            Times h = cache[k][2];
            ActivationPolicy p = s.policy();
            boolean whole = p == ActivationPolicy.FULL || p == ActivationPolicy.SQRT;
            boolean core = p == ActivationPolicy.SELECTIVE;
            double rc = whole ? l.fwd() : core ? l.core() : 0;
            double rcL = whole ? l.fwdLaunch() : core ? l.coreLaunch() : 0;
            double rcG = whole ? l.fwdGemm() : core ? l.coreGemm() : 0;
            int rcK = whole ? l.fwdKernels() : core ? l.coreKernels() : 0;
            double body = em.fwd() + em.bwd() + h.fwd() + h.bwd() + layers * (l.fwd() + l.bwd() + rc);
            double bodyL = em.fwdLaunch() + em.bwdLaunch() + h.fwdLaunch() + h.bwdLaunch()
                    + layers * (l.fwdLaunch() + l.bwdLaunch() + rcL);
            double bodyG = em.fwdGemm() + em.bwdGemm() + h.fwdGemm() + h.bwdGemm() + layers * (l.fwdGemm() + l.bwdGemm() + rcG);
            int bodyK = em.fwdKernels() + em.bwdKernels() + h.fwdKernels() + h.bwdKernels()
                    + layers * (l.fwdKernels() + l.bwdKernels() + rcK);
            double dimFlops = em.dimFlops() + h.dimFlops() + layers * l.dimFlops();
            double flopsForDim = em.flopsForDim() + h.flopsForDim() + layers * l.flopsForDim();
            long weights = params * w.training().precision().bytes();
            int moments = w.training().optimizer().moments();
            double update = params * (w.training().optimizer() == OptimizerKind.ADAM ? 12.0 : 4.0);
            double tailT = 0;
            double tailL = 0;
            int tailK = 0;
            double optCopy = 0;
            double host = 0;
            if (s.optimizerOffload()) {
                optCopy = 2.0 * weights / pcie * 1e3;
                host = update / hostFlops * 1e3;
            } else {
                long opt = params * 4L * (moments + (w.training().precision().mixed() ? 1 : 0));
                tailT = Math.max(update / peak, (double) (2 * weights + 2 * opt) / bw) * 1e3;
                tailL = Math.max(tailT, launchMs);
                tailK = 1;
            }
            double actCopy = p == ActivationPolicy.OFFLOAD ? 2.0 * k * (layers - 1) * l.savedAll() / pcie * 1e3 : 0;
            out[i] = new Timing(k * body + tailT, k * bodyL + tailL, k * bodyG, k * bodyK + tailK,
                    flopsForDim > 0 ? dimFlops / flopsForDim : 0, actCopy, optCopy, host);
        }
        return out;
    }

    /** The estimated plan of a strategy for a workload; throws if the strategy is not a candidate. */
    public static Plan estimate(Workload w, Strategy s) {
        s.checkValidFor(w);
        int b = w.training().batch() / s.microBatches();
        long e = w.training().precision().bytes();
        return estimate(w, s, Sums.of(Section.layer(w, b), e), Sums.of(Section.embedding(w, b), e),
                Sums.of(Section.head(w, b), e));
    }

    private static Plan estimate(Workload w, Strategy s, Sums layer, Sums embed, Sums head) {
        long params = w.parameters();
        Precision prec = w.training().precision();
        int moments = w.training().optimizer().moments();
        long weightBytes = params * prec.bytes();
        long gradBytes = weightBytes;
        long optDevice = s.optimizerOffload() ? 0 : params * 4L * (moments + (prec.mixed() ? 1 : 0));
        long optHost = s.optimizerOffload() ? params * 4L * (moments + 1) : 0;
        long context = Planner.CUDA_CONTEXT_BYTES + Planner.CUBLAS_WORKSPACE_BYTES;
        long statics = context + weightBytes + gradBytes + optDevice;
        int layers = w.model().layers();
        int k = s.microBatches();
        ActivationPolicy p = s.policy();

        double recompute = switch (p) {
            case FULL, SQRT -> layers * layer.fwdFlops();
            case SELECTIVE -> layers * layer.coreFlops();
            default -> 0;
        };
        double body = embed.fwdFlops() + embed.bwdFlops() + layers * (layer.fwdFlops() + layer.bwdFlops())
                + head.fwdFlops() + head.bwdFlops() + recompute;
        double update = params * (w.training().optimizer() == OptimizerKind.ADAM ? 12.0 : 4.0);
        double flops = k * body + update;

        long recomputeTraffic = switch (p) {
            case FULL, SQRT -> layers * layer.fwdTraffic();
            case SELECTIVE -> layers * layer.fwdTraffic() / 4;
            default -> 0;
        };
        long hbm = Math.multiplyExact(k, embed.fwdTraffic() + embed.bwdTraffic()
                + Math.multiplyExact(layers, layer.fwdTraffic() + layer.bwdTraffic())
                + head.fwdTraffic() + head.bwdTraffic() + recomputeTraffic)
                + (s.optimizerOffload() ? 0 : gradBytes + 2 * optDevice + weightBytes);

        long perLayerKept;
        long activations;
        long fixed = embed.savedAll() + head.savedAll();
        int seg = Planner.segmentLength(p, layers);
        long checkpoints = (layers + seg - 1) / seg;
        switch (p) {
            case KEEP -> {
                perLayerKept = layer.savedAll();
                activations = fixed + layers * layer.savedAll();
            }
            case SELECTIVE -> {
                perLayerKept = layer.savedNonCore();
                activations = fixed + layers * layer.savedNonCore() + (layer.savedAll() - layer.savedNonCore());
            }
            case FULL -> {
                perLayerKept = layer.input();
                activations = fixed + layers * layer.input() + layer.savedAll();
            }
            case SQRT -> {
                perLayerKept = checkpoints * layer.input() / layers;
                activations = fixed + checkpoints * layer.input() + Math.min(seg, layers) * layer.savedAll();
            }
            default -> {   // OFFLOAD: the layer computing and the one in flight (forward or prefetch)
                perLayerKept = layer.savedAll();
                activations = fixed + Math.min(layers, 2) * layer.savedAll();
            }
        }
        long working = Math.max(layer.maxWorkingSet(), head.maxWorkingSet());
        long peak = statics + activations + working;
        long pcie = (p == ActivationPolicy.OFFLOAD ? 2L * k * (layers - 1) * layer.savedAll() : 0)
                + (s.optimizerOffload() ? gradBytes + weightBytes : 0);
        long host = optHost + (s.optimizerOffload() ? gradBytes : 0)
                + (p == ActivationPolicy.OFFLOAD ? (layers - 1) * layer.savedAll() : 0);
        Map<MemoryCategory, Long> breakdown = new EnumMap<>(MemoryCategory.class);
        breakdown.put(MemoryCategory.CONTEXT, Planner.CUDA_CONTEXT_BYTES);
        breakdown.put(MemoryCategory.WORKSPACE, Planner.CUBLAS_WORKSPACE_BYTES);
        breakdown.put(MemoryCategory.WEIGHTS, weightBytes);
        breakdown.put(MemoryCategory.GRADIENTS, gradBytes);
        breakdown.put(MemoryCategory.OPTIMIZER, optDevice);
        breakdown.put(MemoryCategory.ACTIVATIONS, activations);
        breakdown.put(MemoryCategory.TRANSIENT, working);
        int opsEstimate = layers * (p == ActivationPolicy.FULL || p == ActivationPolicy.SQRT ? 7 : 5) * 20 + 100;
        return new Plan(w, s, params, weightBytes, gradBytes, optDevice, optHost, perLayerKept, activations, peak,
                java.util.Collections.unmodifiableMap(breakdown), statics + activations,
                peak <= w.device().memoryBytes(), flops, k * recompute, pcie, hbm, host, opsEstimate);
    }

    /** Estimates for several strategies of one workload, sharing the templates of each micro-batch size. */
    public static Plan[] estimateAll(Workload w, java.util.List<Strategy> strategies) {
        Plan[] out = new Plan[strategies.size()];
        Sums[][] cache = new Sums[9][];
        long e = w.training().precision().bytes();
        for (int i = 0; i < out.length; i++) {
            Strategy s = strategies.get(i);
            s.checkValidFor(w);
            int k = s.microBatches();
            if (cache[k] == null) {
                int b = w.training().batch() / k;
                cache[k] = new Sums[]{Sums.of(Section.layer(w, b), e), Sums.of(Section.embedding(w, b), e),
                        Sums.of(Section.head(w, b), e)};
            }
            out[i] = estimate(w, s, cache[k][0], cache[k][1], cache[k][2]);
        }
        return out;
    }
}
