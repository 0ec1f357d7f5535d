package io.accessplan.features.encode;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Fixtures;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.StepEstimate;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureEncoderTest {
    private final FeatureEncoder enc = new FeatureEncoder();

    private double feature(double[] x, String name) {
        int i = enc.names().indexOf(name);
        assertTrue(i >= 0, name);
        return x[i];
    }

    @Test
    void namesAreUniqueAndMatchTheVectorWidth() {
        assertEquals(enc.names().size(), new HashSet<>(enc.names()).size());
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.BF16, AttentionKind.FUSED);
        assertEquals(enc.width(), enc.encode(w, Strategy.parse("keep")).length);
    }

    @Test
    void encodingOneStrategyEqualsEncodingItInAWorkloadBatch() {
        Workload w = Fixtures.workload(Fixtures.bertLarge(), 512, 16, Precision.FP16, AttentionKind.NAIVE);
        List<Strategy> all = Strategy.candidates(w);
        List<Analysis> batch = Analysis.all(w, all);
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(enc.encode(batch.get(i)), enc.encode(w, all.get(i)), all.get(i).toString());
        }
    }

    @Test
    void encodingAWorkloadsStrategiesAtOnceEqualsEncodingEachAndWritesEveryFeature() {
        for (Workload w : List.of(
                Fixtures.workload(Fixtures.bertLarge(), 512, 16, Precision.FP16, AttentionKind.NAIVE),
                Fixtures.workload(Fixtures.llama2_7b(), 4096, 4, Precision.BF16, AttentionKind.FUSED),
                Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP32, AttentionKind.NAIVE))) {
            List<Analysis> as = Analysis.all(w, Strategy.candidates(w));
            double[][] all = new double[as.size()][enc.width()];
            for (double[] x : all) {
                java.util.Arrays.fill(x, Double.NaN);
            }
            enc.encodeAll(as, all);
            for (int i = 0; i < as.size(); i++) {
                double[] one = new double[enc.width()];
                java.util.Arrays.fill(one, Double.NaN);
                enc.encodeInto(as.get(i), one, 0);
                assertArrayEquals(one, all[i], as.get(i).plan().strategy().toString());
                for (int j = 0; j < one.length; j++) {
                    assertTrue(!Double.isNaN(one[j]), enc.names().get(j) + " is written");
                }
            }
        }
    }

    @Test
    void theFeaturesSharedByAWorkloadsStrategiesAreTheWorkloadsAndTheDevicesFields() {
        List<String> shared = new java.util.ArrayList<>();
        int[] r = FeatureEncoder.WORKLOAD_RANGES;
        for (int k = 0; k < r.length; k += 2) {
            shared.addAll(enc.names().subList(r[k], r[k + 1]));
        }
        assertEquals(List.of("log2_layers", "log2_hidden", "log2_heads", "log2_kv_heads", "log2_ffn_hidden",
                "log2_vocab", "log2_seq_len", "log2_batch", "family_gpt", "family_llama", "family_bert", "family_mlp",
                "precision_fp32", "precision_fp16", "precision_bf16", "optimizer_adam", "optimizer_sgd",
                "attention_naive", "attention_fused", "log2_device_memory", "log2_mem_bandwidth", "log2_peak_tflops",
                "log2_fp32_tflops", "log2_pcie_bandwidth", "pcie_gen"), shared);
    }

    @Test
    void encodingAnotherWorkloadsAnalysesAtOnceIsRefused() {
        Workload a = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.BF16, AttentionKind.FUSED);
        Workload b = Fixtures.workload(Fixtures.gpt2Small(), 1024, 4, Precision.BF16, AttentionKind.FUSED);
        List<Analysis> mixed = List.of(Analysis.of(a, Strategy.parse("keep")), Analysis.of(b, Strategy.parse("keep")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> enc.encodeAll(mixed, new double[2][enc.width()]));
    }

    @Test
    void theClosedFormStepEstimateMatchesTheWalkOfTheSchedule() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.BF16, AttentionKind.NAIVE);
        for (Strategy s : Strategy.candidates(w)) {
            StepEstimate closed = Analysis.of(w, s).step();
            StepEstimate walked = StepEstimate.of(Planner.schedule(w, s));
            assertEquals(walked.kernels(), closed.kernels(), s.toString());
            assertEquals(walked.optimizerCopyMs(), closed.optimizerCopyMs(), 1e-9 * (1 + walked.optimizerCopyMs()));
            assertEquals(walked.hostMs(), closed.hostMs(), 1e-9 * (1 + walked.hostMs()));
            // kernel traffic is estimated in closed form (Estimator): within 5% of the schedule
            assertEquals(walked.computeMs(), closed.computeMs(), 0.05 * walked.computeMs(), s.toString());
            assertEquals(walked.estimateMs(), closed.estimateMs(), 0.05 * walked.estimateMs(), s.toString());
        }
    }

    @Test
    void theStepEstimateAddsTheSerialOffloadToTheOverlappedCompute() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.BF16, AttentionKind.FUSED);
        StepEstimate keep = Analysis.of(w, Strategy.parse("keep")).step();
        StepEstimate opt = Analysis.of(w, Strategy.parse("keep+opt_offload")).step();
        assertEquals(0.0, keep.optimizerCopyMs() + keep.hostMs());
        // gradients down and bf16 weights up: 2 bytes per parameter each way at the pinned bandwidth
        double copy = 2.0 * 2 * 124_439_808 / (55.22e9) * 1e3;
        assertEquals(copy, opt.optimizerCopyMs(), 1e-9 * copy);
        assertEquals(Math.max(opt.launchBoundMs(), opt.activationCopyMs()) + opt.optimizerCopyMs() + opt.hostMs(),
                opt.estimateMs(), 1e-12);
        assertTrue(keep.launchBoundMs() >= keep.computeMs());
        assertTrue(keep.kernels() * StepEstimate.LAUNCH_MS <= keep.launchBoundMs() + 1e-9);
    }

    @Test
    void rawFieldsAreLog2OfTheSizesAndOneHotCategories() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.BF16, AttentionKind.FUSED);
        double[] x = enc.encode(w, Strategy.parse("full+mb4+opt_offload"));
        assertEquals(Math.log(12) / Math.log(2), feature(x, "log2_layers"), 1e-12);
        assertEquals(10.0, feature(x, "log2_seq_len"), 1e-12);
        assertEquals(2.0, feature(x, "log2_micro_batches"), 1e-12);
        assertEquals(1.0, feature(x, "log2_micro_batch_size"), 1e-12);
        assertEquals(1.0, feature(x, "optimizer_offload"));
        assertEquals(1.0, feature(x, "family_gpt"));
        assertEquals(0.0, feature(x, "family_llama"));
        assertEquals(1.0, feature(x, "policy_full"));
        assertEquals(0.0, feature(x, "policy_keep"));
        assertEquals(1.0, feature(x, "precision_bf16"));
        assertEquals(1.0, feature(x, "attention_fused"));
    }

    @Test
    void analyticFeaturesComeFromThePlan() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.BF16, AttentionKind.NAIVE);
        Analysis a = Analysis.of(w, Strategy.parse("sqrt+mb2"));
        Plan p = a.plan();
        assertEquals(Planner.plan(w, Strategy.parse("sqrt+mb2")).flops(), p.flops(), 1e-9 * p.flops());
        double[] x = enc.encode(a);
        assertEquals(Math.log(124_439_808.0) / Math.log(2), feature(x, "log2_parameters"), 1e-9);
        assertEquals(p.recomputeFlops() / p.flops(), feature(x, "recompute_fraction"), 1e-12);
        assertEquals((double) p.peakMemoryBytes() / w.device().memoryBytes(),
                feature(x, "analytic_peak_over_capacity"), 1e-12);
        Roofline r = Roofline.of(p);
        assertEquals(Math.log(r.stepTimeMs()) / Math.log(2), feature(x, "log2_roofline_ms"), 1e-12);
        // roofline by hand: FLOPs at the bf16 tensor peak of the H100 (989.4 TFLOP/s)
        assertEquals(p.flops() / 989.4e12 * 1e3, r.computeMs(), 1e-9 * r.computeMs());
    }

    @Test
    void everyFeatureIsFiniteForEveryCandidateOnEveryDevice() {
        List<DeviceProfile> devices = List.copyOf(DeviceCatalog.builtin().all());
        for (DeviceProfile d : devices) {
            Precision p = d.supports(Precision.BF16) ? Precision.BF16 : Precision.FP16;
            Workload w = new Workload(Fixtures.llama2_7b(), new TrainingConfig(512, 4, p, OptimizerKind.SGD,
                    AttentionKind.FUSED), d);
            for (Strategy s : Strategy.candidates(w)) {
                for (double v : enc.encode(w, s)) {
                    assertTrue(Double.isFinite(v), d.name() + " " + s);
                }
            }
        }
    }

    @Test
    void encodingIsDeterministicAcrossEncoderInstances() {
        Workload w = Fixtures.workload(Fixtures.llama2_7b(), 2048, 4, Precision.BF16, AttentionKind.FUSED);
        Strategy s = Strategy.parse("offload+mb2");
        assertArrayEquals(enc.encode(w, s), new FeatureEncoder().encode(w, s));
    }
}
