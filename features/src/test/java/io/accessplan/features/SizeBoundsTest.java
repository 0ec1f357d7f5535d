package io.accessplan.features;

import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Plan;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Class 4 of issue 11: every size has a documented bound, refused in one message naming the field
 * before any work, and every byte count of a plan inside the bounds is exact (no overflow).
 */
class SizeBoundsTest {

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void eachSizeAboveItsBoundIsRefusedNamingTheField() {
        assertEquals("Invalid layers: 2000000000 (must be at most 1024)",
                refusal(() -> ModelSpec.of(Family.GPT, 2_000_000_000, 768, 12)));
        assertEquals("Invalid layers: 100000 (must be at most 1024)", refusal(() -> ModelSpec.of(Family.GPT, 100_000, 768, 12)));
        // the width is checked before the MLP width derived from it (which would overflow to a negative)
        assertEquals("Invalid hidden: 2147483647 (must be at most 65536)",
                refusal(() -> ModelSpec.of(Family.GPT, 2, Integer.MAX_VALUE, 1)));
        assertEquals("Invalid heads: 2048 (must be at most 1024)", refusal(() -> ModelSpec.of(Family.GPT, 2, 4096, 2048)));
        assertEquals("Invalid ffn_hidden: 300000 (must be at most 262144)",
                refusal(() -> ModelSpec.of(Family.LLAMA, 2, 4096, 32, null, 300_000, 32000)));
        assertEquals("Invalid vocab: 5000000 (must be at most 4194304)",
                refusal(() -> ModelSpec.of(Family.GPT, 2, 768, 12, null, null, 5_000_000)));
        assertEquals("Invalid seq_len: 2147483647 (must be at most 1048576)",
                refusal(() -> new TrainingConfig(Integer.MAX_VALUE, Integer.MAX_VALUE, Precision.FP16, OptimizerKind.ADAM,
                        AttentionKind.FUSED)));
        assertEquals("Invalid batch: 2147483647 (must be at most 65536)",
                refusal(() -> new TrainingConfig(1024, Integer.MAX_VALUE, Precision.FP16, OptimizerKind.ADAM,
                        AttentionKind.FUSED)));
        assertTrue(refusal(() -> new TrainingConfig(1 << 20, 1 << 16, Precision.FP16, OptimizerKind.ADAM,
                AttentionKind.FUSED)).startsWith("Invalid batch: 65536 (seq_len x batch = 68719476736 tokens a step"));
    }

    @Test
    void theLargestWorkloadsWithinTheBoundsPlanWithExactNonNegativeBytes() {
        // corners of the bounded space: each plan's byte counts must equal a wide (double) recomputation
        // of the same sums and never be negative: a wrapped long would show as either
        SplittableRandom r = new SplittableRandom(11);
        int planned = 0;
        for (int trial = 0; trial < 40; trial++) {
            int hidden = 64 * (1 + r.nextInt(ModelSpec.MAX_HIDDEN / 64));
            int heads = hidden / 64 > ModelSpec.MAX_HEADS ? ModelSpec.MAX_HEADS : Math.max(1, hidden / 64);
            while (hidden % heads != 0) {
                heads--;
            }
            int layers = 1 + r.nextInt(ModelSpec.MAX_LAYERS);
            int seq = 1 << r.nextInt(21);
            int batch = (int) Math.max(1, Math.min(TrainingConfig.MAX_BATCH, TrainingConfig.MAX_TOKENS / seq));
            AttentionKind att = r.nextBoolean() ? AttentionKind.NAIVE : AttentionKind.FUSED;
            Workload w;
            try {
                w = new Workload(ModelSpec.of(Family.GPT, layers, hidden, heads),
                        new TrainingConfig(seq, batch, Precision.BF16, OptimizerKind.ADAM, att), Fixtures.device("h100-sxm-80gb"));
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("Invalid workload: about "), e.getMessage());
                continue;   // over the step-bytes bound: refused before any planning
            }
            Plan p = Planner.plan(w, Strategy.parse("keep"));
            assertTrue(p.peakMemoryBytes() > 0 && p.hbmBytes() >= 0 && p.activationBytes() >= 0, w.canonical());
            double weights = (double) w.parameters() * Precision.BF16.bytes();
            assertEquals(weights, (double) p.weightBytes(), weights * 1e-12, w.canonical());
            planned++;
        }
        assertTrue(planned >= 5, "some corners were planned: " + planned);
    }

    @Test
    void aWorkloadWhoseStepWouldNeedMoreThan2To56BytesIsRefusedBeforePlanning() {
        String m = refusal(() -> new Workload(ModelSpec.of(Family.GPT, 1024, 65_536, 1024),
                new TrainingConfig(1 << 14, 1 << 10, Precision.BF16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                Fixtures.device("h100-sxm-80gb")));
        assertTrue(m.startsWith("Invalid workload: about ") && m.contains("layers 1024 x seq_len 16384 x batch 1024"), m);
    }

    @Test
    void deviceFilesRefuseNaNNegativeAndImpossibleValuesNamingTheField() {
        String header = DeviceCatalog.HEADER + "\n";
        String good = "my-gpu,24,900,120,60,30,true,4,25,25,derived:xla-h100,mine";
        assertEquals(1, DeviceCatalog.parse(in(header + good), "good.csv").size());
        String[][] bad = {
                {"my-gpu,24,900,120,NaN,30,true,4,25,25,x,mine", "tf32_tflops 'NaN' (not a finite number)"},
                {"my-gpu,24,900,120,60,30,true,-3,25,25,x,mine", "Invalid pcie_gen of my-gpu: -3"},
                {"my-gpu,24,900,120,60,30,true,9,25,25,x,mine", "Invalid pcie_gen of my-gpu: 9"},
                {"my-gpu,24,-900,120,60,30,true,4,25,25,x,mine", "Invalid mem_bw_gbps of my-gpu: -900.0"},
                {"my-gpu,24,900,Infinity,60,30,true,4,25,25,x,mine", "tensor_tflops_16 'Infinity' (not a finite number)"},
                {"my-gpu,1e9,900,120,60,30,true,4,25,25,x,mine", "memory_gib 1e9"},
                {"my-gpu,24,900,120,60,30,yes,4,25,25,x,mine", "bf16 'yes' (expected true or false)"},
                {"my-gpu,24,900,120,60,30,true,4,25e6,25,x,mine", "Invalid h2d_gbps of my-gpu: 2.5E7"},
        };
        for (String[] b : bad) {
            String msg = refusal(() -> DeviceCatalog.parse(in(header + b[0]), "mine.csv"));
            assertTrue(msg.startsWith("Invalid device row mine.csv:2: ") && msg.contains(b[1]), msg);
        }
    }

    @Test
    void aDeviceFileWithAByteOrderMarkAndAQuotedMultiLineSourceReads() {
        String text = "\uFEFF" + DeviceCatalog.HEADER + "\nmy-gpu,24,900,120,60,30,true,4,25,25,x,\"line one,\nline two\"\n";
        DeviceProfile p = DeviceCatalog.parse(in(text), "bom.csv").get(0);
        assertEquals("my-gpu", p.name());
        assertEquals("line one,\nline two", p.source());
    }

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
