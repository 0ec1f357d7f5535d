package io.accessplan.cuda.gpu;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.Backends;
import io.accessplan.cuda.CudaProbe;
import io.accessplan.cuda.Workloads;
import io.accessplan.cuda.exec.ScheduleExecutor;
import io.accessplan.cuda.jcuda.JCudaDeviceApi;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On a real GPU: every strategy of a workload computes the same weight gradients on the same
 * data (a schedule that forgot to await a prefetch, or recomputed the wrong tensor, would not),
 * and measured peaks follow the planner. Skipped without a device.
 */
class StrategyGradientsTest {
    /** Strategies that differ in every way the executor can get wrong: recompute, offload, micro-batches, host update. */
    private static final List<String> STRATEGIES = List.of("keep", "selective", "full", "sqrt", "offload",
            "offload+mb2+opt_offload", "full+mb4", "selective+mb2", "full:2", "offload:2+mb2", "selective:1");

    @BeforeEach
    void needsADevice() {
        assumeTrue(CudaProbe.available(), CudaProbe.reason());
    }

    private static void sameGradients(Workload w, double tol) {
        float[] reference = null;
        try (JCudaDeviceApi api = JCudaDeviceApi.open(0, true)) {
            for (String name : STRATEGIES) {
                Strategy s = Strategy.parse(name);
                if (!s.validFor(w)) {
                    continue;
                }
                float[] g;
                try (ScheduleExecutor ex = new ScheduleExecutor(api, Planner.schedule(w, s), 0, 0, 11)) {
                    g = ex.gradients();
                }
                double norm = 0;
                for (float x : g) {
                    norm += x * x;
                }
                norm = Math.sqrt(norm);
                assertTrue(norm > 0 && Double.isFinite(norm), name + ": gradient norm " + norm);
                if (reference == null) {
                    reference = g;
                    continue;
                }
                double diff = 0;
                for (int i = 0; i < g.length; i++) {
                    diff += (g[i] - reference[i]) * (g[i] - reference[i]);
                }
                assertTrue(Math.sqrt(diff) <= tol * norm, name + " differs from keep: relative "
                        + Math.sqrt(diff) / norm);
            }
        }
    }

    @Test
    void everyStrategyGivesTheSameGradientsInFp32() {
        sameGradients(Workloads.of(ModelSpec.of(Family.GPT, 4, 128, 4, null, null, 1000), 64, 8, Precision.FP32,
                OptimizerKind.ADAM, AttentionKind.NAIVE), 1e-4);
    }

    @Test
    void everyStrategyGivesTheSameGradientsWithFusedGroupedQueryAttentionInBf16() {
        sameGradients(Workloads.of(ModelSpec.of(Family.LLAMA, 4, 128, 4, 2, 256, 1000), 64, 8, Precision.BF16,
                OptimizerKind.ADAM, AttentionKind.FUSED), 3e-2);
    }

    @Test
    void measuredPeaksFollowThePlannerWithinTenPercentPlusTheContext() throws Exception {
        Workload w = Workloads.of(ModelSpec.of(Family.GPT, 6, 512, 8, null, null, 8000), 256, 8, Precision.FP16,
                OptimizerKind.ADAM, AttentionKind.NAIVE);
        try (Backend cuda = Backends.open("cuda", BackendOptions.defaults())) {
            for (String name : List.of("keep", "full", "offload+mb2+opt_offload", "full:3", "offload:2")) {
                Schedule s = Planner.schedule(w, Strategy.parse(name));
                Measurement m = cuda.measure(s, 3, 5);
                assertFalse(m.oom(), name + ": " + m.detail());
                assertTrue(Double.isFinite(m.stepTimeMs()) && m.stepTimeMs() > 0, name + ": " + m);
                long planned = s.plan().peakMemoryBytes() - Planner.CUDA_CONTEXT_BYTES;
                long measured = Long.parseLong(m.detail().replaceAll(".*driver_peak_bytes=(\\d+).*", "$1"));
                long slack = 1L << 30;   // context, modules and library handles, whatever the driver version
                assertTrue(measured <= 1.1 * planned + slack, name + ": driver peak " + measured + " vs planned "
                        + planned);
                assertEquals(m.peakMemoryBytes() - peakContext(m), planned, 0.0, name + ": allocator peak");
            }
        }
    }

    private static long peakContext(Measurement m) {
        return Long.parseLong(m.detail().replaceAll(".*context_bytes=(\\d+).*", "$1"));
    }
}
