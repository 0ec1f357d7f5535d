package io.accessplan.features;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StrategyTest {

    @Test
    void everyStrategyRoundTripsThroughItsString() {
        for (Strategy s : Strategy.all()) {
            assertEquals(s, Strategy.parse(s.toString()));
        }
        assertEquals(40, Strategy.all().size());
        assertEquals(new Strategy(ActivationPolicy.FULL, 4, false), Strategy.parse("full+mb4"));
        assertEquals(new Strategy(ActivationPolicy.OFFLOAD, 1, true), Strategy.parse("offload+opt_offload"));
    }

    @Test
    void malformedStrategiesAreRejectedNamingTheString() {
        for (String bad : new String[]{"keeep", "full+mb3", "full+mb1", "full+opt_offload+mb2", "keep+keep", ""}) {
            String msg = assertThrows(IllegalArgumentException.class, () -> Strategy.parse(bad)).getMessage();
            assertTrue(msg.startsWith("Unknown strategy: " + (bad.isEmpty() ? "''" : bad)), msg);
        }
    }

    @Test
    void selectiveIsNotACandidateWithFusedAttention() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.FUSED);
        assertTrue(Strategy.candidates(w).stream().noneMatch(s -> s.policy() == ActivationPolicy.SELECTIVE));
        assertEquals(32, Strategy.candidates(w).size());
        String msg = assertThrows(IllegalArgumentException.class, () -> Strategy.parse("selective+mb2").checkValidFor(w))
                .getMessage();
        assertEquals("Invalid strategy: selective+mb2 (selective recomputes stored attention scores, which fused"
                + " attention does not store)", msg);
    }

    @Test
    void selectiveIsNotACandidateForMlpAndMicroBatchesMustDivideTheBatch() {
        Workload mlp = new Workload(ModelSpec.of(Family.MLP, 8, 1024, 1), new TrainingConfig(1, 4, Precision.FP32,
                OptimizerKind.SGD, AttentionKind.NAIVE), Fixtures.device("t4-16gb"));
        assertTrue(Strategy.candidates(mlp).stream().noneMatch(s -> s.policy() == ActivationPolicy.SELECTIVE));
        assertTrue(Strategy.candidates(mlp).stream().noneMatch(s -> s.microBatches() == 8));
        assertEquals(4 * 3 * 2, Strategy.candidates(mlp).size());
        assertFalse(Strategy.parse("selective").validFor(mlp));
        String msg = assertThrows(IllegalArgumentException.class, () -> Strategy.parse("selective").checkValidFor(mlp))
                .getMessage();
        assertEquals("Invalid strategy: selective (selective is not valid for family mlp)", msg);
    }
}
