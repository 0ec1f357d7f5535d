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
        long hbm = k * (embed.fwdTraffic() + embed.bwdTraffic() + layers * (layer.fwdTraffic() + layer.bwdTraffic())
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
