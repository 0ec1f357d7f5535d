package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Fixtures;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Per-layer activation memory against Korthikanti et al. 2022, "Reducing Activation
 * Recomputation in Large Transformer Models", Table 2, without tensor parallelism (t = 1):
 * no recomputation {@code sbh(34 + 5as/h)}, selective {@code 34sbh}, full {@code 2sbh}.
 */
class ActivationMemoryTest {

    private static long perLayer(Workload w, String strategy) {
        return Planner.plan(w, Strategy.parse(strategy)).activationBytesPerLayer();
    }

    @ParameterizedTest
    @CsvSource({"1024,8,768,12", "2048,1,4096,32", "512,4,1024,16", "4096,2,2560,20"})
    void gptLayerIn16BitMatchesTable2OfKorthikanti(int s, int b, int h, int a) {
        Workload w = Fixtures.workload(ModelSpec.of(Family.GPT, 4, h, a), s, b, Precision.BF16, AttentionKind.NAIVE);
        double sbh = (double) s * b * h;
        assertEquals(sbh * (34 + 5.0 * a * s / h), perLayer(w, "keep"), sbh * (34 + 5.0 * a * s / h) * 0.01);
        assertEquals(34 * sbh, perLayer(w, "selective"), 34 * sbh * 0.01);
        assertEquals(2 * sbh, perLayer(w, "full"), 2 * sbh * 0.01);
    }

    @ParameterizedTest
    @CsvSource({"1024,8,768,12", "8192,1,4096,32"})
    void fusedAttentionDropsTheScoreMatrixTerm(int s, int b, int h, int a) {
        Workload w = Fixtures.workload(ModelSpec.of(Family.GPT, 4, h, a), s, b, Precision.FP16, AttentionKind.FUSED);
        double sbh = (double) s * b * h;
        assertEquals(34 * sbh, perLayer(w, "keep"), 34 * sbh * 0.01);
    }

    @ParameterizedTest
    @CsvSource({"2", "4", "8"})
    void microBatchingDividesActivationMemoryByK(int k) {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 16, Precision.FP16, AttentionKind.NAIVE);
        Plan one = Planner.plan(w, Strategy.parse("keep"));
        Plan many = Planner.plan(w, Strategy.parse("keep+mb" + k));
        assertEquals(one.activationBytesPerLayer() / (double) k, many.activationBytesPerLayer(), 1.0);
        assertEquals(one.activationBytes() / (double) k, many.activationBytes(), one.activationBytes() * 0.01 / k);
        assertEquals(one.flops(), many.flops(), one.flops() * 1e-9);
    }
}
