package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Fixtures;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FLOPs per step against the usual count: 6 x parameters x tokens for the matmuls (Kaplan et al.
 * 2020, counting parameters that multiply: not position embeddings, and for an untied head not
 * the input embedding), plus 12 b s^2 h per layer for attention scores and values, forward and
 * backward (Narayanan et al. 2021, appendix).
 */
class FlopsTest {

    private static double expectedKeep(Workload w, long lookupOnlyParams) {
        double t = w.training().tokens();
        ModelSpec m = w.model();
        double s = w.training().seqLen();
        return 6.0 * (w.parameters() - lookupOnlyParams) * t + 12.0 * m.layers() * w.training().batch() * s * s * m.hidden();
    }

    @Test
    void gptKeepIsSixPTPlusAttention() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.NAIVE);
        double expected = expectedKeep(w, 1024L * 768);
        assertEquals(expected, Planner.plan(w, Strategy.parse("keep")).flops(), expected * 0.01);
    }

    @Test
    void llamaKeepIsSixPTPlusAttention() {
        Workload w = Fixtures.workload(Fixtures.llama2_7b(), 4096, 1, Precision.BF16, AttentionKind.NAIVE);
        double expected = expectedKeep(w, 32000L * 4096);
        assertEquals(expected, Planner.plan(w, Strategy.parse("keep")).flops(), expected * 0.01);
    }

    @Test
    void fullRecomputationAddsOneForwardPassOfTheLayers() {
        Workload w = Fixtures.workload(ModelSpec.of(Family.GPT, 24, 2048, 16), 2048, 4, Precision.BF16,
                AttentionKind.NAIVE);
        ModelSpec m = w.model();
        double t = w.training().tokens();
        double s = w.training().seqLen();
        long matmulParams = m.layerParameters() - (13L * m.hidden());   // weights only, no biases or norms
        double forward = m.layers() * (2.0 * matmulParams * t + 4.0 * w.training().batch() * s * s * m.hidden());
        Plan keep = Planner.plan(w, Strategy.parse("keep"));
        Plan full = Planner.plan(w, Strategy.parse("full"));
        assertEquals(forward, full.flops() - keep.flops(), forward * 0.01);
        assertEquals(full.flops() - keep.flops(), full.recomputeFlops(), full.recomputeFlops() * 1e-9);
        assertEquals(0.0, keep.recomputeFlops());
    }

    @Test
    void selectiveRecomputesOnlyTheScoreGemmAndItsPointwiseOps() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.NAIVE);
        double s = 1024;
        // per layer: QK^T (2 b s^2 h), then softmax (5) and dropout (2) FLOPs per score element
        double expected = 12 * (2.0 * 8 * s * s * 768 + 7.0 * 8 * 12 * s * s);
        double got = Planner.plan(w, Strategy.parse("selective")).recomputeFlops();
        assertEquals(expected, got, expected * 0.01);
    }

    @Test
    void microBatchingLeavesTheFlopsOfAStepUnchanged() {
        Workload w = Fixtures.workload(Fixtures.bertLarge(), 512, 8, Precision.FP16, AttentionKind.FUSED);
        double one = Planner.plan(w, Strategy.parse("full")).flops();
        for (int k : new int[]{2, 4, 8}) {
            assertEquals(one, Planner.plan(w, Strategy.parse("full+mb" + k)).flops(), one * 1e-9);
        }
    }
}
