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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peak comes from the allocation timeline, not from a sum of formulas: the two agree where
 * nothing transient is large, and differ by the transient buffers or the prefetched layer where
 * those make the peak.
 */
class PeakTimelineTest {
    // small vocabulary so the loss head's buffers do not dominate the transients
    private final ModelSpec model = ModelSpec.of(Family.GPT, 8, 768, 12, null, null, 1000);

    private static long formulaSum(Plan p) {
        // context, workspace, weights, gradients, optimizer state, and all stored activations
        return Planner.CUDA_CONTEXT_BYTES + Planner.CUBLAS_WORKSPACE_BYTES + p.weightBytes() + p.gradientBytes()
                + p.optimizerBytes() + p.activationBytes();
    }

    @Test
    void timelineAndFormulaAgreeWithoutLargeTransients() {
        Workload w = Fixtures.workload(model, 2048, 1, Precision.BF16, AttentionKind.FUSED);
        Plan p = Planner.plan(w, Strategy.parse("keep"));
        assertEquals(formulaSum(p), p.formulaPeakBytes());
        assertTrue(p.peakMemoryBytes() >= formulaSum(p));
        assertTrue((p.peakMemoryBytes() - formulaSum(p)) < 0.02 * p.peakMemoryBytes(),
                "peak " + p.peakMemoryBytes() + " vs formula " + formulaSum(p));
    }

    @Test
    void scoreGradientsMakeThePeakWithNaiveAttention() {
        Workload w = Fixtures.workload(model, 2048, 1, Precision.BF16, AttentionKind.NAIVE);
        Plan p = Planner.plan(w, Strategy.parse("keep"));
        long scoreMatrix = 2L * 1 * 12 * 2048 * 2048;   // e b a s^2, bf16
        // the peak is in the last layer's attention backward: the gradient of the dropped-out
        // probabilities (e b a s^2) is live next to every stored activation
        assertTrue(p.peakBreakdown().get(MemoryCategory.TRANSIENT) >= scoreMatrix);
        long excess = p.peakMemoryBytes() - formulaSum(p);
        assertTrue(excess >= scoreMatrix / 2, "excess " + excess);
        Plan fused = Planner.plan(Fixtures.workload(model, 2048, 1, Precision.BF16, AttentionKind.FUSED),
                Strategy.parse("keep"));
        assertTrue(fused.peakMemoryBytes() - formulaSum(fused) < scoreMatrix / 10, "fused has no score transient");
    }

    @Test
    void offloadPrefetchHoldsTwoLayersAtThePeak() {
        Workload w = Fixtures.workload(model, 2048, 4, Precision.BF16, AttentionKind.FUSED);
        Plan p = Planner.plan(w, Strategy.parse("offload"));
        long layer = p.activationBytesPerLayer();
        long modelState = Planner.CUDA_CONTEXT_BYTES + Planner.CUBLAS_WORKSPACE_BYTES + p.weightBytes()
                + p.gradientBytes() + p.optimizerBytes();
        // "offloaded activations live on the host" would say one (the last, never offloaded) layer
        long naive = modelState + layer;
        assertTrue(p.peakMemoryBytes() >= naive + layer, "peak " + p.peakMemoryBytes() + " naive " + naive);
        assertTrue(p.peakMemoryBytes() < modelState + 4 * layer, "peak holds no more than a few layers");
        assertEquals(2L * (w.model().layers() - 1) * layer, p.pcieBytes());
    }

    @Test
    void breakdownAddsUpToThePeak() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.NAIVE);
        for (Strategy s : Strategy.candidates(w)) {
            Plan p = Planner.plan(w, s);
            long sum = p.peakBreakdown().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(p.peakMemoryBytes(), sum, s.toString());
        }
    }
}
