package io.accessplan.predictor;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Answers agree with physics where physics is clear. */
class PhysicsTest {
    private final AccessPlanner planner = AccessPlanner.bundled();

    @Test
    void sevenBillionParametersWithMixedPrecisionAdamOnOne80GbGpuNeedOptimizerOffload() {
        Workload w = new Workload(ModelSpec.of(Family.LLAMA, 32, 4096, 32, null, 11008, 32000),
                new TrainingConfig(4096, 8, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED),
                DeviceCatalog.builtin().get("a100-sxm-80gb"));
        // 16 bytes of model state per parameter (ZeRO) is 108 GB: more than the device holds
        assertTrue(16.0 * w.parameters() > w.device().memoryBytes());
        Recommendation r = planner.recommend(w);
        assertTrue(r.fits(), r.summary());
        assertTrue(r.strategy().optimizerOffload(), "chose " + r.strategy());
    }

    @Test
    void aModelThatFitsComfortablyIsNeverToldToOffloadAnything() {
        int checked = 0;
        for (Workload w : Workloads.random(600, 5)) {
            // comfortably: keeping everything needs at most half the device by the planner's exact count
            if (!Strategy.parse("keep").validFor(w)
                    || Planner.plan(w, Strategy.parse("keep")).memoryFraction() > 0.5) {
                continue;
            }
            Recommendation r = planner.recommend(w);
            assertTrue(r.fits(), r.summary());
            assertFalse(r.strategy().policy() == ActivationPolicy.OFFLOAD || r.strategy().optimizerOffload(),
                    w.canonical() + " told " + r.strategy());
            checked++;
        }
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void nothingFittingIsAnAnswerNamingTheLeanestStrategyAndHowFarOver() {
        Workload w = new Workload(ModelSpec.of(Family.LLAMA, 80, 8192, 64, 8, 28672, 32000),
                new TrainingConfig(4096, 8, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                DeviceCatalog.builtin().get("t4-16gb"));
        Recommendation r = planner.recommend(w);
        assertFalse(r.fits());
        assertTrue(r.summary().startsWith("does not fit on this device"), r.summary());
        assertTrue(r.headroomBytes() < 0);
        double least = r.alternatives().stream().mapToDouble(Alternative::predictedPeakMemoryBytes).min().orElseThrow();
        assertTrue(r.predictedPeakMemoryBytes() <= least);
        assertEquals(Strategy.candidates(w).size() - 1, r.alternatives().size());
    }

    @Test
    void everyAlternativeSaysWhyItLost() {
        Workload w = new Workload(ModelSpec.of(Family.GPT, 12, 768, 12, null, null, 50257),
                new TrainingConfig(1024, 16, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                DeviceCatalog.builtin().get("t4-16gb"));
        Recommendation r = planner.recommend(w);
        List<Alternative> alts = r.alternatives();
        // every candidate but the pick, and the partial policies the layer search found
        long partials = alts.stream().filter(a -> a.strategy().isPartial()).count()
                + (r.strategy().isPartial() ? 1 : 0);
        assertEquals(Strategy.candidates(w).size() + partials - 1, alts.size());
        for (Alternative a : alts) {
            assertTrue(a.whyLost().startsWith("predicted not to fit") || a.whyLost().startsWith("slower by")
                    || a.whyLost().startsWith("within the tie tolerance") || a.whyLost().startsWith("does more work than"),
                    a.whyLost());
            if (a.fits() && a.whyLost().startsWith("slower by")) {
                assertTrue(a.predictedStepTimeMs() > r.predictedStepTimeMs());
            }
        }
    }

    @Test
    void lessWorkIsAPartialOrderWithinOneMicroBatching() {
        assertTrue(AccessPlanner.doesLessWork(Strategy.parse("keep+mb2"), Strategy.parse("offload+mb2")));
        assertTrue(AccessPlanner.doesLessWork(Strategy.parse("keep"), Strategy.parse("keep+opt_offload")));
        assertTrue(AccessPlanner.doesLessWork(Strategy.parse("selective+mb4"), Strategy.parse("full+mb4+opt_offload")));
        assertFalse(AccessPlanner.doesLessWork(Strategy.parse("keep"), Strategy.parse("full+mb2")));
        assertFalse(AccessPlanner.doesLessWork(Strategy.parse("keep+opt_offload"), Strategy.parse("full")));
        assertFalse(AccessPlanner.doesLessWork(Strategy.parse("full"), Strategy.parse("sqrt")));
        assertFalse(AccessPlanner.doesLessWork(Strategy.parse("full"), Strategy.parse("full")));
    }
}
