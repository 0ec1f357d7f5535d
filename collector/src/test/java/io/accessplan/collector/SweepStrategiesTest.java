package io.accessplan.collector;

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
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sweep measures each quarter of the layers and the smallest fitting count where keep does not fit. */
class SweepStrategiesTest {

    private static Workload gpt(int hidden, int batch) {
        return new Workload(ModelSpec.of(Family.GPT, 16, hidden, 32), new TrainingConfig(2048, batch, Precision.BF16,
                OptimizerKind.ADAM, AttentionKind.NAIVE), DeviceCatalog.builtin().get("a100-sxm-40gb"));
    }

    @Test
    void partialPoliciesAreSampledWhereKeepDoesNotFit() {
        Workload w = gpt(2048, 8);
        assertFalse(Planner.plan(w, Strategy.parse("keep")).fits(), "the fixture needs keep not to fit");
        List<Strategy> all = Sweep.strategies(w);
        assertEquals(Strategy.candidates(w), all.subList(0, Strategy.candidates(w).size()));
        Strategy full = Strategy.parse("full");
        int smallest = Planner.smallestFittingLayers(w, full);
        assertTrue(smallest > 1 && smallest < 16, "smallest " + smallest);
        assertTrue(Planner.plan(w, full.withPolicyLayers(smallest)).fits());
        assertFalse(Planner.plan(w, full.withPolicyLayers(smallest - 1)).fits());
        Set<Integer> counts = new TreeSet<>();
        for (Strategy s : all) {
            if (s.isPartial() && s.wholeModel().equals(full)) {
                counts.add(s.policyLayers());
            }
        }
        Set<Integer> expected = new TreeSet<>(List.of(4, 8, 12, smallest));
        assertEquals(expected, counts);
        assertEquals(all.size(), Set.copyOf(all).size(), "no strategy twice");
    }

    @Test
    void noPartialPolicyWhereKeepOfTheSameMicroBatchesFits() {
        Workload w = gpt(1024, 1);
        assertTrue(Planner.plan(w, Strategy.parse("keep")).fits());
        for (Strategy s : Sweep.strategies(w)) {
            if (s.isPartial()) {
                Strategy keep = new Strategy(ActivationPolicy.KEEP, s.microBatches(), s.optimizerOffload());
                assertFalse(Planner.plan(w, keep).fits(), s + " sampled though " + keep + " fits");
            }
        }
    }
}
