package io.accessplan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.Throughput;
import io.accessplan.predictor.emit.Framework;
import io.accessplan.predictor.emit.FrameworkSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code recommend}: throughput as users count it, and the answer in their framework's settings. */
class RecommendCommandTest {
    /** The example: a Llama-3-8B shape at 8k tokens, one sample a step, on an H100. */
    private static final String[] LLAMA = {"--family", "llama", "--layers", "32", "--hidden", "4096", "--heads", "32",
            "--kv-heads", "8", "--ffn-hidden", "14336", "--vocab", "128256", "--seq-len", "8192", "--batch", "1",
            "--precision", "bf16", "--device", "h100-sxm-80gb"};
    private static final Workload LLAMA_WORKLOAD = new Workload(ModelSpec.of(Family.LLAMA, 32, 4096, 32, 8, 14336, 128256),
            new TrainingConfig(8192, 1, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED),
            DeviceCatalog.builtin().get("h100-sxm-80gb"));

    private static String[] args(String... extra) {
        List<String> a = new ArrayList<>(List.of("recommend"));
        a.addAll(List.of(LLAMA));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void theLlamaExamplePrintsTokensPerSecondAndMfuAndNeverZeroSamples() {
        Cli.Run run = Cli.run(args());
        assertEquals(0, run.code(), run.err());
        Recommendation r = AccessPlanner.bundled().recommend(LLAMA_WORKLOAD);
        assertFalse(run.out().contains("(0 samples/s"), run.out());
        assertTrue(run.out().contains(Throughput.readable(r.throughputSamplesPerSecond()) + " samples/s, "
                + Throughput.readable(8192 / (r.predictedStepTimeMs() / 1e3)) + " tokens/s"), run.out());
        assertTrue(run.out().contains("MFU " + Throughput.percent(r.mfu())), run.out());
        assertTrue(run.out().contains("HFU " + Throughput.percent(r.hfu())), run.out());
    }

    @Test
    void jsonCarriesTokensPerSecondMfuAndHfuForTheAnswerAndEachAlternative() throws Exception {
        Cli.Run run = Cli.run(args("--json"));
        assertEquals(0, run.code(), run.err());
        JsonNode j = new ObjectMapper().readTree(run.out());
        double t = j.get("predicted_step_time_ms").asDouble();
        assertEquals(8192 / (t / 1e3), j.get("tokens_per_s").asDouble(), 1e-6);
        double peak = 989.4e12;   // H100 SXM dense bf16
        double modelFlops = Throughput.modelFlopsPerToken(LLAMA_WORKLOAD) * 8192;
        assertEquals(modelFlops / (t / 1e3) / peak, j.get("mfu").asDouble(), 1e-9);
        assertTrue(j.get("hfu").asDouble() >= j.get("mfu").asDouble());
        for (JsonNode a : j.get("alternatives")) {
            double at = a.get("predicted_step_time_ms").asDouble();
            assertEquals(modelFlops / (at / 1e3) / peak, a.get("mfu").asDouble(), 1e-9, a.get("strategy").asText());
            assertTrue(a.get("tokens_per_s").asDouble() > 0);
        }
        for (JsonNode a : concatNodes(j, j.get("alternatives"))) {
            io.accessplan.features.plan.Traffic tr = io.accessplan.features.plan.Traffic.of(
                    io.accessplan.features.plan.Planner.schedule(LLAMA_WORKLOAD,
                            io.accessplan.features.Strategy.parse(a.get("strategy").asText())));
            assertEquals(tr.hbmBytes(), a.get("hbm_bytes").asLong());
            assertEquals(tr.redundantHbmBytes(), a.get("redundant_hbm_bytes").asLong());
            assertEquals(tr.pcieBytes(), a.get("pcie_bytes").asLong());
        }
    }

    private static java.util.List<JsonNode> concatNodes(JsonNode first, JsonNode rest) {
        java.util.List<JsonNode> out = new java.util.ArrayList<>();
        out.add(first);
        rest.forEach(out::add);
        return out;
    }

    @Test
    void emitDeepspeedJsonIsTheConfigItself() throws Exception {
        Cli.Run run = Cli.run(args("--emit", "deepspeed", "--json"));
        assertEquals(0, run.code(), run.err());
        JsonNode c = new ObjectMapper().readTree(run.out());
        Recommendation r = AccessPlanner.bundled().recommend(LLAMA_WORKLOAD);
        assertEquals(new ObjectMapper().readTree(FrameworkSettings.of(r, Framework.DEEPSPEED).text()), c);
        assertEquals(1, c.get("train_batch_size").asInt());
        assertEquals(r.strategy().optimizerOffload(), c.path("zero_optimization").has("offload_optimizer"));
        assertTrue(run.err().startsWith("note: recommended " + r.summary()), run.err());
    }

    @Test
    void eachFrameworkPrintsItsForm() throws Exception {
        Recommendation r = AccessPlanner.bundled().recommend(LLAMA_WORKLOAD);
        for (Framework f : Framework.values()) {
            Cli.Run run = Cli.run(args("--emit", f.id()));
            assertEquals(0, run.code(), f + ": " + run.err());
            FrameworkSettings fs = FrameworkSettings.of(r, f);
            assertEquals(fs.text().strip(), run.out().strip(), f.id());
            for (String note : fs.notes()) {
                assertTrue(run.err().contains("note: " + note + "\n"), f + ": " + run.err());
            }
        }
        assertTrue(Cli.run(args("--emit", "hf")).out().contains("args = TrainingArguments("));
        assertTrue(Cli.run(args("--emit", "megatron")).out().startsWith("--micro-batch-size 1 --global-batch-size 1 --bf16"));
        assertTrue(Cli.run(args("--emit", "torchtitan")).out().startsWith("[training]\n"));
        assertTrue(Cli.run(args("--emit", "pytorch")).out().startsWith("import torch\n"));
        JsonNode hf = new ObjectMapper().readTree(Cli.run(args("--emit", "hf", "--json")).out());
        assertEquals("hf", hf.get("framework").asText());
        assertEquals(FrameworkSettings.of(r, Framework.HF).text(), hf.get("settings").asText());
    }

    @Test
    void anUnknownFrameworkIsRefusedInOneLineNamingIt() {
        Cli.Run run = Cli.run(args("--emit", "keras"));
        assertEquals(2, run.code());
        assertEquals("", run.out());
        assertEquals("accessplan: Unknown framework: 'keras' (expected hf, deepspeed, megatron, torchtitan, pytorch)\n",
                run.err());
    }
}
