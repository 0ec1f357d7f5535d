package io.accessplan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanCommandTest {
    private static final String[] GPT2 = {"plan", "--family", "gpt", "--layers", "12", "--hidden", "768", "--heads", "12",
            "--vocab", "50257", "--seq-len", "1024"};

    @Test
    void jsonOfOneStrategyHasTheContractFields() throws Exception {
        Cli.Run r = Cli.run(concat(GPT2, "--strategy", "full+mb4", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        for (String f : new String[]{"strategy", "parameters", "weight_bytes", "gradient_bytes", "optimizer_bytes",
                "activation_bytes_per_layer", "activation_bytes", "peak_memory_bytes", "fits", "flops", "recompute_flops",
                "pcie_bytes"}) {
            assertTrue(n.has(f), f);
        }
        assertEquals("full+mb4", n.get("strategy").asText());
        assertEquals(124_439_808L, n.get("parameters").asLong());
        // fp16 Adam: 2 + 2 + 12 bytes per parameter (ZeRO)
        assertEquals(2 * 124_439_808L, n.get("weight_bytes").asLong());
        assertEquals(12 * 124_439_808L, n.get("optimizer_bytes").asLong());
    }

    @Test
    void autocastKeepsFp32WeightsAndGradientsAndNoMasterCopy() throws Exception {
        JsonNode master = new ObjectMapper().readTree(Cli.run(concat(GPT2, "--strategy", "keep", "--json")).out());
        Cli.Run r = Cli.run(concat(GPT2, "--strategy", "keep", "--mixed-precision", "autocast", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        // autocast fp16 Adam: 4 + 4 + 8 bytes per parameter, and the step's 16-bit weight copies on top
        assertEquals(4 * 124_439_808L, n.get("weight_bytes").asLong());
        assertEquals(4 * 124_439_808L, n.get("gradient_bytes").asLong());
        assertEquals(8 * 124_439_808L, n.get("optimizer_bytes").asLong());
        assertTrue(n.get("peak_memory_bytes").asLong() > master.get("peak_memory_bytes").asLong());
        Cli.Run fp32 = Cli.run(concat(GPT2, "--precision", "fp32", "--mixed-precision", "autocast"));
        assertEquals(2, fp32.code());
        assertEquals("accessplan: Invalid mixed_precision: autocast (precision fp32 is not mixed precision; use fp16 or bf16)",
                fp32.err().strip());
    }

    @Test
    void jsonSplitsTrafficIntoEssentialAndRedundantAsTheSchedule() throws Exception {
        JsonNode all = new ObjectMapper().readTree(Cli.run(concat(GPT2, "--attention", "naive", "--json")).out());
        long keepHbm = -1;
        for (JsonNode n : all) {
            if (n.get("strategy").asText().equals("keep")) {
                keepHbm = n.get("hbm_bytes").asLong();
                assertEquals(0, n.get("redundant_hbm_bytes").asLong());
                assertEquals(0.0, n.get("redundant_share").asDouble());
            }
        }
        assertTrue(keepHbm > 0);
        for (JsonNode n : all) {
            String s = n.get("strategy").asText();
            long hbm = n.get("hbm_bytes").asLong();
            assertEquals(hbm, n.get("essential_hbm_bytes").asLong() + n.get("redundant_hbm_bytes").asLong(), s);
            assertEquals(n.get("pcie_bytes").asLong(), n.get("redundant_pcie_bytes").asLong(), s);
            double share = (n.get("redundant_hbm_bytes").asDouble() + n.get("redundant_pcie_bytes").asDouble())
                    / (hbm + n.get("pcie_bytes").asDouble());
            assertEquals(share, n.get("redundant_share").asDouble(), 1e-12, s);
            if (!s.contains("opt_offload")) {
                assertEquals(keepHbm, n.get("essential_hbm_bytes").asLong(), s);
            }
        }
    }

    @Test
    void llama2ParametersMatchThePublishedCount() throws Exception {
        Cli.Run r = Cli.run("plan", "--family", "llama", "--layers", "32", "--hidden", "4096", "--heads", "32",
                "--ffn-hidden", "11008", "--vocab", "32000", "--strategy", "keep", "--json");
        assertEquals(6_738_415_616L, new ObjectMapper().readTree(r.out()).get("parameters").asLong());
    }

    @Test
    void withoutAStrategyTheJsonIsAnArrayOfEveryValidStrategy() throws Exception {
        Cli.Run r = Cli.run(concat(GPT2, "--attention", "naive", "--json"));
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertTrue(n.isArray());
        assertEquals(40, n.size());
        // with fused attention selective recomputation has nothing to drop: not a candidate
        assertEquals(32, new ObjectMapper().readTree(Cli.run(concat(GPT2, "--json")).out()).size());
        Cli.Run mlp = Cli.run("plan", "--family", "mlp", "--layers", "4", "--hidden", "256", "--batch", "8", "--json");
        JsonNode m = new ObjectMapper().readTree(mlp.out());
        assertEquals(32, m.size());
        m.forEach(x -> assertFalse(x.get("strategy").asText().startsWith("selective")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--layers|0|Invalid layers: 0 (must be > 0)",
        "--hidden|-768|Invalid hidden: -768 (must be > 0)",
        "--heads|7|Invalid heads: 7 (must divide hidden 768)",
        "--family|rnn|Unknown family: rnn (expected one of gpt, llama, bert, mlp)",
        "--device|tpu-v4|Unknown device: tpu-v4 (expected one of",
        "--strategy|keeep|Unknown strategy: keeep",
        "--precision|fp8|Unknown precision: fp8",
        "--mixed-precision|o2|Unknown mixed_precision: o2 (expected one of master, autocast)",
        "--seq-len|0|Invalid seq_len: 0 (must be > 0)",
        "--strategy|full:0|Invalid strategy: full:0 (full:0 applies the policy to no layer: write keep)",
        "--strategy|full:-1|Invalid strategy: full:-1 (layer count -1 is negative",
        "--strategy|full:13|Invalid strategy: full:13 (layer count 13 is more than the model's 12 layers)",
        "--strategy|sqrt:3|Unknown strategy: sqrt:3 (Invalid policy_layers: 3 (sqrt applies to every layer or none",
    })
    void badInputIsOneLineNamingTheValueWithExitCode2(String flag, String value, String message) {
        java.util.Map<String, String> opts = new java.util.LinkedHashMap<>();
        opts.put("--family", "gpt");
        opts.put("--layers", "12");
        opts.put("--hidden", "768");
        opts.put("--heads", "12");
        opts.put(flag, value);
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("plan"));
        opts.forEach((k, v) -> {
            a.add(k);
            a.add(v);
        });
        if (flag.equals("--heads") || flag.equals("--hidden")) {
            a.set(a.indexOf("--heads") + 1, flag.equals("--heads") ? value : "12");
        }
        String[] args = a.toArray(String[]::new);
        Cli.Run r = Cli.run(args);
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("accessplan: " + message), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception"), "no stack trace");
    }

    @Test
    void aStrategyInvalidForTheFamilyIsRefused() {
        Cli.Run r = Cli.run("plan", "--family", "mlp", "--layers", "4", "--hidden", "256", "--strategy", "selective");
        assertEquals(2, r.code());
        assertEquals("accessplan: Invalid strategy: selective (selective is not valid for family mlp)", r.err().strip());
    }

    @Test
    void aPartialStrategyOnMlpIsRefusedWhereThePolicyIsAndPlansWhereItIsNot() throws Exception {
        Cli.Run r = Cli.run("plan", "--family", "mlp", "--layers", "4", "--hidden", "256", "--strategy", "selective:3");
        assertEquals(2, r.code());
        assertEquals("accessplan: Invalid strategy: selective:3 (selective is not valid for family mlp)", r.err().strip());
        Cli.Run ok = Cli.run(concat(GPT2, "--attention", "naive", "--strategy", "full:6+mb2", "--json"));
        assertEquals(0, ok.code(), ok.err());
        JsonNode n = new ObjectMapper().readTree(ok.out());
        assertEquals("full:6+mb2", n.get("strategy").asText());
        JsonNode full = new ObjectMapper().readTree(Cli.run(concat(GPT2, "--attention", "naive", "--strategy", "full+mb2",
                "--json")).out());
        JsonNode keep = new ObjectMapper().readTree(Cli.run(concat(GPT2, "--attention", "naive", "--strategy", "keep+mb2",
                "--json")).out());
        // half the layers recompute: half of full's recomputation, and per-layer bytes half way between
        assertEquals(full.get("recompute_flops").asDouble() / 2, n.get("recompute_flops").asDouble(),
                1e-9 * full.get("recompute_flops").asDouble());
        assertEquals((full.get("activation_bytes_per_layer").asLong() + keep.get("activation_bytes_per_layer").asLong()) / 2.0,
                n.get("activation_bytes_per_layer").asDouble(), 1.0);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
