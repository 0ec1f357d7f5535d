package io.accessplan.features;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {

    @Test
    void gpt2SmallHasThePublishedParameterCountWithTiedEmbeddings() {
        // Radford et al. 2019; the Hugging Face gpt2 checkpoint reports 124,439,808
        assertEquals(124_439_808L, Fixtures.gpt2Small().parameters(1024));
    }

    @Test
    void llama2_7bHasThePublishedParameterCountWithAnUntiedHead() {
        // Touvron et al. 2023, meta-llama/Llama-2-7b-hf: 6,738,415,616
        assertEquals(6_738_415_616L, Fixtures.llama2_7b().parameters(4096));
    }

    @Test
    void bertLargeIsWithinHalfAPercentOf335M() {
        long p = Fixtures.bertLarge().parameters(512);
        assertTrue(Math.abs(p - 335e6) / 335e6 < 0.005, "BERT-large parameters " + p);
    }

    @Test
    void llamaDefaultFfnIsTwoThirdsOfFourHRoundedTo256() {
        assertEquals(11008, Family.LLAMA.defaultFfnHidden(4096));
        assertEquals(3072, Family.GPT.defaultFfnHidden(768));
    }

    @Test
    void layerParametersOfGptAre12hSquaredPlus13h() {
        long h = 768;
        assertEquals(12 * h * h + 13 * h, Fixtures.gpt2Small().layerParameters());
    }

    @Test
    void badSizesAreRejectedNamingTheFieldAndValue() {
        assertEquals("Invalid layers: 0 (must be > 0)",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(Family.GPT, 0, 768, 12)).getMessage());
        assertEquals("Invalid hidden: -5 (must be > 0)",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(Family.GPT, 2, -5, 12)).getMessage());
        assertEquals("Invalid heads: 7 (must divide hidden 768)",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(Family.GPT, 2, 768, 7)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Family.parse("rnn")).getMessage()
                .startsWith("Unknown family: rnn"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(0, 1, Precision.FP16,
                OptimizerKind.ADAM, AttentionKind.NAIVE)).getMessage().startsWith("Invalid seq_len: 0"));
    }

    @Test
    void unknownDeviceIsRejectedListingTheKnownOnes() {
        String msg = assertThrows(IllegalArgumentException.class, () -> DeviceCatalog.builtin().get("tpu-v4"))
                .getMessage();
        assertTrue(msg.startsWith("Unknown device: tpu-v4 (expected one of h100-sxm-80gb"), msg);
    }

    @Test
    void catalogHasTheTenDesignDevicesWithSources() {
        for (String n : new String[]{"h100-sxm-80gb", "a100-sxm-80gb", "a100-sxm-40gb", "a100-pcie-40gb",
                "v100-sxm-16gb", "v100-sxm-32gb", "l4-24gb", "a10-24gb", "rtx4090-24gb", "t4-16gb"}) {
            DeviceProfile d = DeviceCatalog.builtin().get(n);
            assertTrue(!d.source().isBlank(), n + " has a source");
        }
        assertEquals(80L << 30, DeviceCatalog.builtin().get("h100-sxm-80gb").memoryBytes());
        assertEquals(989.4, DeviceCatalog.builtin().get("h100-sxm-80gb").tensorTflops16());
    }

    @Test
    void bf16OnAV100IsRejected() {
        String msg = assertThrows(IllegalArgumentException.class, () -> new Workload(Fixtures.gpt2Small(),
                new TrainingConfig(1024, 8, Precision.BF16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                Fixtures.device("v100-sxm-16gb"))).getMessage();
        assertEquals("Invalid precision: bf16 (not supported by device v100-sxm-16gb)", msg);
    }

    @Test
    void workloadIdIsStableAndDependsOnEveryField() {
        Workload a = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.NAIVE);
        Workload b = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.NAIVE);
        Workload c = Fixtures.workload(Fixtures.gpt2Small(), 1024, 16, Precision.FP16, AttentionKind.NAIVE);
        assertEquals(a.id(), b.id());
        assertTrue(!a.id().equals(c.id()));
        assertEquals(a.architectureId(), c.architectureId());
        // FNV-1a 64 of the canonical text, computed independently here
        long h = 0xcbf29ce484222325L;
        for (byte x : a.canonical().getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        assertEquals(String.format("%016x", h), a.id());
    }
}
