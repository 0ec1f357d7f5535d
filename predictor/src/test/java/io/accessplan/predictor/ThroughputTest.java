package io.accessplan.predictor;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Estimator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MFU and HFU against hand computations from their definitions: PaLM appendix B (6N + 12 L h s per
 * token, N the multiplied parameters) and Korthikanti et al. 2022 (recomputation adds a forward of
 * the checkpointed layers, or of the attention core), with GPT-2 small's and Llama-2-7B's published
 * parameter counts.
 */
class ThroughputTest {
    private static final DeviceCatalog DEVICES = DeviceCatalog.builtin();

    /** GPT-2 small: 12 x 768, 12 heads, vocab 50257, 1024 positions; 124,439,808 parameters. */
    private static Workload gpt2(int batch) {
        return new Workload(ModelSpec.of(Family.GPT, 12, 768, 12, null, null, 50257),
                new TrainingConfig(1024, batch, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE), DEVICES.get("t4-16gb"));
    }

    /** Llama-2-7B: 32 x 4096, 32 heads, SwiGLU 11008, vocab 32000; 6,738,415,616 parameters. */
    private static Workload llama2(int seq, int batch) {
        return new Workload(ModelSpec.of(Family.LLAMA, 32, 4096, 32, null, 11008, 32000),
                new TrainingConfig(seq, batch, Precision.BF16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                DEVICES.get("a100-sxm-80gb"));
    }

    @Test
    void gpt2SmallMfuAndHfuAreTheHandComputedOnes() {
        Workload w = gpt2(8);
        assertEquals(124_439_808L, w.parameters());
        // N: all but the 1024 x 768 position embeddings (the token embedding is also the tied output head)
        long n = 124_439_808L - 1024L * 768;
        double modelPerToken = 6.0 * n + 12.0 * 12 * 768 * 1024;
        assertEquals(855_166_464.0, modelPerToken);
        assertEquals(modelPerToken, Throughput.modelFlopsPerToken(w));
        double tokens = 1024.0 * 8;
        double stepMs = 250;
        double peak = 65e12;   // T4: dense fp16 tensor peak, datasheet
        double mfu = modelPerToken * tokens / 0.25 / peak;

        Throughput keep = Throughput.of(w, Strategy.parse("keep"), stepMs);
        assertEquals(mfu, keep.mfu(), 1e-12);
        assertEquals(keep.mfu(), keep.hfu(), "keep recomputes nothing: MFU equals HFU");
        assertEquals(8 / 0.25, keep.samplesPerSecond(), 1e-9);
        assertEquals(tokens / 0.25, keep.tokensPerSecond(), 1e-9);

        // full recomputation: a forward of the 12 layers again, 7,087,872 parameters each, and their attention
        long layerParams = 7_087_872L;
        assertEquals(124_439_808L - 50257L * 768 - 1024L * 768 - 2 * 768, 12 * layerParams);
        double full = modelPerToken + 2.0 * 12 * layerParams + 4.0 * 12 * 768 * 1024;
        Throughput f = Throughput.of(w, Strategy.parse("full+mb2"), stepMs);
        assertEquals(mfu, f.mfu(), 1e-12, "MFU leaves recomputation out");
        assertEquals(full * tokens / 0.25 / peak, f.hfu(), 1e-12);
        assertEquals(f.hfu(), Throughput.of(w, Strategy.parse("sqrt"), stepMs).hfu(), 1e-12,
                "sqrt(L) checkpointing recomputes every layer's forward too");

        // selective: the scores product QK^T once more, 2 s h per token and layer (softmax and dropout
        // are elementwise; the product with V is not rerun)
        double selective = modelPerToken + 2.0 * 12 * 768 * 1024;
        assertEquals(selective * tokens / 0.25 / peak, Throughput.of(w, Strategy.parse("selective"), stepMs).hfu(), 1e-12);
        Throughput off = Throughput.of(w, Strategy.parse("offload+opt_offload"), stepMs);
        assertEquals(off.mfu(), off.hfu(), "offload copies, it does not recompute");
    }

    @Test
    void llama2SevenBillionMfuAndHfuAreTheHandComputedOnes() {
        Workload w = llama2(4096, 4);
        assertEquals(6_738_415_616L, w.parameters());
        // N: all but the input embedding (32000 x 4096), which is looked up; the untied head is multiplied
        long n = 6_738_415_616L - 32000L * 4096;
        double modelPerToken = 6.0 * n + 12.0 * 32 * 4096 * 4096;
        assertEquals(modelPerToken, Throughput.modelFlopsPerToken(w));
        double tokens = 4096.0 * 4;
        double stepMs = 1234.5;
        double peak = 312e12;  // A100: dense bf16 tensor peak
        double mfu = modelPerToken * tokens / (stepMs / 1e3) / peak;
        Throughput keep = Throughput.of(w, Strategy.parse("keep+opt_offload"), stepMs);
        assertEquals(mfu, keep.mfu(), 1e-12);
        assertEquals(keep.mfu(), keep.hfu());

        long layerParams = 202_383_360L;
        assertEquals(6_738_415_616L - 2 * 32000L * 4096 - 4096, 32 * layerParams);
        double full = modelPerToken + 2.0 * 32 * layerParams + 4.0 * 32 * 4096 * 4096;
        Throughput f = Throughput.of(w, Strategy.parse("full+mb4"), stepMs);
        assertEquals(mfu, f.mfu(), 1e-12);
        assertEquals(full * tokens / (stepMs / 1e3) / peak, f.hfu(), 1e-12);
    }

    @Test
    void forAGptTheCountIsKorthikantisClosedFormUpToBiasesAndNorms() {
        // Korthikanti et al. 2022, per step: model 72 B s l h^2 (1 + s/6h + V/12hl), full recomputation
        // 96 B s l h^2 (1 + s/6h + V/16hl); they leave out biases and norms, hence the tolerance
        Workload w = gpt2(8);
        double b = 8;
        double s = 1024;
        double l = 12;
        double h = 768;
        double v = 50257;
        double model = 72 * b * s * l * h * h * (1 + s / (6 * h) + v / (12 * h * l));
        double hardware = 96 * b * s * l * h * h * (1 + s / (6 * h) + v / (16 * h * l));
        double ours = Throughput.modelFlopsPerToken(w) * b * s;
        double oursFull = ours + Throughput.recomputeFlopsPerToken(w, Strategy.parse("full")) * b * s;
        assertEquals(1, ours / model, 2e-3);
        assertEquals(1, oursFull / hardware, 2e-3);
    }

    @Test
    void recomputedMatrixProductsAreThePlannersRecomputationLessItsElementwiseKernels() {
        for (Workload w : new Workload[]{gpt2(8), llama2(2048, 2)}) {
            for (String s : new String[]{"full", "sqrt+mb2", "selective"}) {
                Strategy st = Strategy.parse(s);
                double planner = Estimator.estimate(w, st).recomputeFlops();
                double ours = Throughput.recomputeFlopsPerToken(w, st) * w.training().tokens();
                // the planner adds the elementwise kernels: norms, activations, softmax, dropout
                assertTrue(ours <= planner, w.model().family() + " " + s + ": " + ours + " > " + planner);
                assertTrue(ours >= 0.9 * planner, w.model().family() + " " + s + ": " + ours + " vs " + planner);
            }
        }
    }

    @Test
    void rateTextNeverRoundsARunningStrategyToZero() {
        assertEquals("0.277", Throughput.readable(0.27672));
        assertEquals("2267", Throughput.readable(2267.4));
        assertEquals("12.3", Throughput.readable(12.345));
        assertEquals("100", Throughput.readable(99.96));
        assertEquals("0.0000412", Throughput.readable(4.1234e-5));
        assertEquals("41.2%", Throughput.percent(0.41234));
    }

    @Test
    void theIssuesLlamaExampleAnswersWithTokensPerSecondAndMfu() {
        Workload w = new Workload(ModelSpec.of(Family.LLAMA, 32, 4096, 32, 8, 14336, 128256),
                new TrainingConfig(8192, 1, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED),
                DEVICES.get("h100-sxm-80gb"));
        Recommendation r = AccessPlanner.bundled().recommend(w);
        double seconds = r.predictedStepTimeMs() / 1e3;
        assertEquals(8192 / seconds, r.tokensPerSecond(), 1e-6);
        Throughput t = Throughput.of(w, r.strategy(), r.predictedStepTimeMs());
        assertEquals(t, r.throughput());
        assertTrue(r.mfu() > 0.05 && r.mfu() < 1, "MFU " + r.mfu());
        assertTrue(r.summary().contains(" tokens/s, MFU "), r.summary());
        assertFalse(r.summary().contains("(0 samples/s"), r.summary());
        assertTrue(r.summary().contains(Throughput.readable(1 / seconds) + " samples/s"), r.summary());
        for (Alternative a : r.alternatives()) {
            assertEquals(Throughput.of(w, a.strategy(), a.predictedStepTimeMs()), a.throughput(), a.strategy().toString());
        }
    }

    @Test
    void answersWithKeepHaveEqualMfuAndHfuAndMlpHasNoTokens() {
        int keeps = 0;
        for (Workload w : Workloads.random(200, 11)) {
            Recommendation r = AccessPlanner.bundled().recommend(w);
            assertTrue(r.hfu() >= r.mfu());
            if (r.strategy().policy() == io.accessplan.features.ActivationPolicy.KEEP) {
                assertEquals(r.mfu(), r.hfu());
                keeps++;
            }
            assertEquals(w.model().family() == Family.MLP, Double.isNaN(r.tokensPerSecond()), w.canonical());
        }
        assertTrue(keeps > 20, "keeps " + keeps);
    }
}
