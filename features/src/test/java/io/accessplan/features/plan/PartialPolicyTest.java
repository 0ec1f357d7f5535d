package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Fixtures;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partial policies ({@code full:N}, {@code selective:N}, {@code offload:N}) against Korthikanti et
 * al. 2022, Table 2 (t = 1): a kept GPT layer in 16-bit with naive attention stores
 * {@code sbh(34 + 5as/h)} bytes, a fully recomputed one {@code 2sbh}, a selectively recomputed one
 * {@code 34sbh}; recomputing N layers adds one forward pass of N layers, {@code 24bsh^2 + 4bs^2h}
 * FLOPs each (Narayanan et al. 2021, appendix).
 */
class PartialPolicyTest {

    private static Workload gpt(int layers, int s, int b, int h, int a) {
        return Fixtures.workload(ModelSpec.of(Family.GPT, layers, h, a), s, b, Precision.BF16, AttentionKind.NAIVE);
    }

    @ParameterizedTest
    @CsvSource({"8,1024,8,768,12", "12,2048,1,4096,32", "6,512,4,1024,16"})
    void fullOnNLayersStoresKeepBytesForTheRestAndTwoSbhForThoseN(int layers, int s, int b, int h, int a) {
        Workload w = gpt(layers, s, b, h, a);
        double sbh = (double) s * b * h;
        double keep = sbh * (34 + 5.0 * a * s / h);
        double selective = 34 * sbh;
        for (int n = 1; n <= layers; n++) {
            double expected = (layers - n) * keep + n * 2 * sbh;
            double planned = (double) layers * Planner.plan(w, Strategy.parse("full:" + n)).activationBytesPerLayer();
            assertEquals(expected, planned, expected * 0.01, "full:" + n);
            double sel = (layers - n) * keep + n * selective;
            double plannedSel = (double) layers * Planner.plan(w, Strategy.parse("selective:" + n)).activationBytesPerLayer();
            assertEquals(sel, plannedSel, sel * 0.01, "selective:" + n);
        }
    }

    @ParameterizedTest
    @CsvSource({"8,1024,8,768,12", "12,2048,1,4096,32"})
    void fullOnNLayersAddsOneForwardOfNLayers(int layers, int s, int b, int h, int a) {
        Workload w = gpt(layers, s, b, h, a);
        double forwardLayer = 24.0 * b * s * (double) h * h + 4.0 * b * (double) s * s * h;
        Plan keep = Planner.plan(w, Strategy.parse("keep"));
        for (int n = 1; n <= layers; n++) {
            Plan p = Planner.plan(w, Strategy.parse("full:" + n));
            assertEquals(n * forwardLayer, p.flops() - keep.flops(), n * forwardLayer * 0.01, "full:" + n);
            assertEquals(p.flops() - keep.flops(), p.recomputeFlops(), p.recomputeFlops() * 1e-9);
        }
    }

    @Test
    void aPolicyOnEveryLayerPlansExactlyAsTheWholeModelPolicy() {
        Workload[] ws = {gpt(6, 512, 4, 1024, 16), Fixtures.workload(ModelSpec.of(Family.LLAMA, 4, 256, 8, 2, null, 500),
                256, 4, Precision.BF16, AttentionKind.FUSED)};
        for (Workload w : ws) {
            int layers = w.model().layers();
            for (String base : new String[]{"full", "full+mb2", "offload+opt_offload", "selective"}) {
                Strategy whole = Strategy.parse(base);
                if (!whole.validFor(w)) {
                    continue;
                }
                Strategy all = whole.withPolicyLayers(layers);
                Schedule a = Planner.schedule(w, whole);
                Schedule b = Planner.schedule(w, all);
                assertEquals(a.ops().size(), b.ops().size(), base);
                for (int i = 0; i < a.ops().size(); i++) {
                    assertEquals(text(a.ops().get(i)), text(b.ops().get(i)), base);
                }
                assertTrue(a.tensors().equals(b.tensors()), base);
                assertArrayEquals(a.staticTensors(), b.staticTensors(), base);
                Plan pa = a.plan();
                Plan pb = b.plan();
                assertEquals(pa.peakMemoryBytes(), pb.peakMemoryBytes());
                assertEquals(pa.activationBytesPerLayer(), pb.activationBytesPerLayer());
                assertEquals(pa.flops(), pb.flops());
                assertEquals(pa.pcieBytes(), pb.pcieBytes());
                assertEquals(pa.hbmBytes(), pb.hbmBytes());
                assertEquals(Estimator.estimate(w, whole).peakMemoryBytes(), Estimator.estimate(w, all).peakMemoryBytes());
            }
        }
    }

    private static String text(Op o) {
        return o.kind() + " " + o.stream() + " " + o.phase() + " " + o.name() + " " + o.flops() + " " + o.bytesRead()
                + " " + o.bytesWritten() + " " + java.util.Arrays.toString(o.inputs())
                + java.util.Arrays.toString(o.outputs()) + java.util.Arrays.toString(o.waitFor());
    }

    @Test
    void plannedPeakFallsAndWorkRisesWithTheLayerCount() {
        Random rnd = new Random(15);
        for (int trial = 0; trial < 30; trial++) {
            Family f = Family.values()[rnd.nextInt(Family.values().length)];
            int layers = 2 + rnd.nextInt(10);
            int heads = f == Family.MLP ? 1 : 4 << rnd.nextInt(2);
            int hidden = heads * (32 << rnd.nextInt(3));
            int seq = f == Family.MLP ? 1 : 64 << rnd.nextInt(3);
            int batch = 1 << rnd.nextInt(4);
            Workload w = new Workload(ModelSpec.of(f, layers, hidden, heads), new TrainingConfig(seq, batch,
                    Precision.values()[rnd.nextInt(Precision.values().length)], OptimizerKind.ADAM,
                    AttentionKind.NAIVE), Fixtures.device("a100-sxm-40gb"));
            for (String base : new String[]{"full", "selective", "offload"}) {
                Strategy whole = Strategy.parse(base);
                if (!whole.validFor(w)) {
                    continue;
                }
                Plan prev = Planner.plan(w, Strategy.parse("keep"));
                for (int n = 1; n <= layers; n++) {
                    Plan p = Planner.plan(w, whole.withPolicyLayers(n));
                    String at = w + " " + base + ":" + n;
                    assertTrue(p.peakMemoryBytes() <= prev.peakMemoryBytes(), at + " peak rises");
                    assertTrue(p.flops() >= prev.flops() && p.pcieBytes() >= prev.pcieBytes(), at + " work falls");
                    prev = p;
                }
            }
        }
    }

    @Test
    void theSmallestFittingLayerCountIsTheFirstOfALinearScan() {
        int found = 0;
        for (int h : new int[]{2048, 4096, 5120}) {
            for (int batch : new int[]{4, 8, 16}) {
                Workload w = Fixtures.workload(ModelSpec.of(Family.GPT, 16, h, 32), 2048, batch, Precision.BF16,
                        AttentionKind.NAIVE);
                for (String base : new String[]{"full", "selective", "offload", "full+mb2"}) {
                    Strategy s = Strategy.parse(base);
                    int linear = 0;
                    for (int n = 1; n <= 16 && linear == 0; n++) {
                        linear = Planner.plan(w, s.withPolicyLayers(n)).fits() ? n : 0;
                    }
                    assertEquals(linear, Planner.smallestFittingLayers(w, s), w + " " + base);
                    found += linear > 1 ? 1 : 0;
                }
            }
        }
        assertTrue(found >= 5, "only " + found + " workloads need more than one layer");
    }

    @Test
    void badLayerCountsAreRejectedNamingTheValue() {
        Workload w = gpt(8, 128, 2, 256, 4);
        assertEquals("Invalid strategy: full:0 (full:0 applies the policy to no layer: write keep)",
                assertThrows(IllegalArgumentException.class, () -> Strategy.parse("full:0")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("full:-1")).getMessage()
                .startsWith("Invalid strategy: full:-1 (layer count -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("sqrt:3")).getMessage()
                .contains("sqrt applies to every layer or none"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("full:x")).getMessage()
                .startsWith("Unknown strategy: full:x"));
        assertEquals("Invalid strategy: full:9+mb2 (layer count 9 is more than the model's 8 layers)",
                assertThrows(IllegalArgumentException.class, () -> Planner.plan(w, Strategy.parse("full:9+mb2")))
                        .getMessage());
        Workload mlp = new Workload(ModelSpec.of(Family.MLP, 8, 1024, 1), new TrainingConfig(1, 4, Precision.FP32,
                OptimizerKind.SGD, AttentionKind.NAIVE), Fixtures.device("t4-16gb"));
        assertEquals("Invalid strategy: selective:3 (selective is not valid for family mlp)",
                assertThrows(IllegalArgumentException.class, () -> Strategy.parse("selective:3").checkValidFor(mlp))
                        .getMessage());
    }

    @Test
    void partialStrategiesRoundTripThroughTheirString() {
        for (String s : new String[]{"full:12+mb2", "offload:6", "selective:1+mb8+opt_offload", "full:3+opt_offload"}) {
            assertEquals(s, Strategy.parse(s).toString());
        }
        assertEquals(12, Strategy.parse("full:12+mb2").policyLayers());
        assertEquals(0, Strategy.parse("full+mb2").policyLayers());
        assertArrayEquals(new int[]{3, 5, 6, 9}, Strategy.sampledLayerCounts(12, 5, 12, 0));
        assertArrayEquals(new int[]{1}, Strategy.sampledLayerCounts(2));
    }
}
