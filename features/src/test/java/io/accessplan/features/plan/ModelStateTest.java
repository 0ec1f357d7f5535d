package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Fixtures;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Model state per parameter, as counted by ZeRO (Rajbhandari et al. 2020, section 3.1). */
class ModelStateTest {

    private final Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.FUSED);

    @Test
    void mixedPrecisionAdamKeeps16BytesPerParameter() {
        Plan p = Planner.plan(w, Strategy.parse("keep"));
        long psi = p.parameters();
        assertEquals(2 * psi, p.weightBytes());
        assertEquals(2 * psi, p.gradientBytes());
        assertEquals(12 * psi, p.optimizerBytes());
        assertEquals(16 * psi, p.weightBytes() + p.gradientBytes() + p.optimizerBytes());
    }

    @Test
    void optimizerOffloadMovesTwelveOfThemToTheHost() {
        Plan on = Planner.plan(w, Strategy.parse("keep"));
        Plan off = Planner.plan(w, Strategy.parse("keep+opt_offload"));
        long psi = off.parameters();
        assertEquals(0, off.optimizerBytes());
        assertEquals(12 * psi, off.optimizerHostBytes());
        assertEquals(12 * psi, on.peakMemoryBytes() - off.peakMemoryBytes());
        // fp16 gradients down, fp16 parameters up (ZeRO-Offload, Ren et al. 2021)
        assertEquals(4 * psi, off.pcieBytes());
    }
}
