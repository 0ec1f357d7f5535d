package io.accessplan.predictor.emit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
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
import io.accessplan.model.Choice;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Alternative;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.Recommendation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every framework's settings, for every candidate strategy of varied workloads, parse in their own
 * format, use only option names from the framework's documentation (the checked-in lists beside this
 * test), and say what the strategy says: the same micro-batching, recomputation, offload.
 */
class FrameworkSettingsTest {
    private static final DeviceCatalog DEVICES = DeviceCatalog.builtin();
    private static final Set<String> DEEPSPEED_KEYS = list("deepspeed-config-keys.txt");
    private static final Set<String> HF_FIELDS = list("hf-training-arguments.txt");
    private static final Set<String> MEGATRON_FLAGS = list("megatron-flags.txt");
    private static final Set<String> TORCHTITAN_KEYS = list("torchtitan-config-keys.txt");
    private static final Set<String> PYTORCH_NAMES = list("pytorch-api.txt");

    private static Set<String> list(String name) {
        try (InputStream in = FrameworkSettingsTest.class.getResourceAsStream(name)) {
            Set<String> out = new HashSet<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.trim());
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(name, e);
        }
    }

    private static List<Workload> workloads() {
        List<Workload> out = new ArrayList<>();
        out.add(new Workload(ModelSpec.of(Family.GPT, 12, 768, 12, null, null, 50257),
                new TrainingConfig(1024, 8, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE), DEVICES.get("t4-16gb")));
        out.add(new Workload(ModelSpec.of(Family.LLAMA, 32, 4096, 32, 8, 14336, 128256),
                new TrainingConfig(8192, 4, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED), DEVICES.get("h100-sxm-80gb")));
        out.add(new Workload(ModelSpec.of(Family.BERT, 24, 1024, 16, null, null, 30522),
                new TrainingConfig(512, 8, Precision.FP32, OptimizerKind.SGD, AttentionKind.NAIVE), DEVICES.get("a100-sxm-40gb")));
        out.add(new Workload(ModelSpec.of(Family.MLP, 5, 2048, 1, null, null, null),
                new TrainingConfig(256, 2, Precision.FP32, OptimizerKind.ADAM, AttentionKind.FUSED), DEVICES.get("v100-sxm-16gb")));
        return out;
    }

    @Test
    void everyFormParsesUsesDocumentedNamesAndSaysWhatTheStrategySays() throws Exception {
        int checked = 0;
        int refused = 0;
        for (Workload w : workloads()) {
            for (Strategy s : Strategy.candidates(w)) {
                Realisation r = Realisation.of(w, s);
                for (Framework f : Framework.values()) {
                    FrameworkSettings fs;
                    try {
                        fs = FrameworkSettings.of(w, r, f);
                    } catch (IllegalArgumentException e) {
                        assertTrue(e.getMessage().startsWith(f.displayName() + " cannot express " + s + ": "), e.getMessage());
                        refused++;
                        continue;
                    }
                    String where = f + " " + w.canonical() + " " + s + ":\n" + fs.text();
                    switch (f) {
                        case DEEPSPEED -> checkDeepSpeed(w, r, fs.text(), where);
                        case HF -> checkHf(r, fs.text(), where);
                        case MEGATRON -> checkMegatron(w, r, fs.text(), where);
                        case TORCHTITAN -> checkTorchtitan(r, fs.text(), where);
                        case PYTORCH -> checkPytorch(r, fs.text(), where);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 300, "checked " + checked);
        assertTrue(refused > 50, "refused " + refused);
    }

    private static void checkDeepSpeed(Workload w, Realisation r, String text, String where) throws IOException {
        JsonNode c = new ObjectMapper().readTree(text);
        List<String> paths = new ArrayList<>();
        paths(c, "", paths);
        for (String p : paths) {
            assertTrue(DEEPSPEED_KEYS.contains(p), "undocumented DeepSpeed key " + p + " in " + where);
        }
        assertEquals(c.get("train_batch_size").asInt(),
                c.get("train_micro_batch_size_per_gpu").asInt() * c.get("gradient_accumulation_steps").asInt(), where);
        assertEquals(r.microBatches(), c.get("gradient_accumulation_steps").asInt(), where);
        assertEquals(r.optimizerOffload(), c.path("zero_optimization").has("offload_optimizer"), where);
        assertEquals(r.optimizerOffload() ? 2 : 0, c.path("zero_optimization").path("stage").asInt(), where);
        boolean recompute = r.policy() == ActivationPolicy.FULL || r.policy() == ActivationPolicy.SQRT;
        assertEquals(recompute, c.has("activation_checkpointing"), where);
        if (r.policy() == ActivationPolicy.FULL) {
            assertEquals(r.policyLayers(), c.path("activation_checkpointing").path("number_checkpoints").asInt(), where);
        }
        assertEquals(w.training().precision() == Precision.BF16, c.path("bf16").path("enabled").asBoolean(), where);
    }

    private static void paths(JsonNode n, String prefix, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = prefix + e.getKey();
            out.add(p);
            if (e.getValue().isObject()) {
                paths(e.getValue(), p + ".", out);
            }
        }
    }

    private static final Pattern HF_ARG = Pattern.compile("^    ([a-z_0-9]+)=(.*),$", Pattern.MULTILINE);

    private static void checkHf(Realisation r, String text, String where) {
        assertTrue(text.contains("args = TrainingArguments(\n"), where);
        Matcher m = HF_ARG.matcher(text);
        Map<String, String> args = new java.util.HashMap<>();
        while (m.find()) {
            assertTrue(HF_FIELDS.contains(m.group(1)), "not a TrainingArguments field: " + m.group(1) + " in " + where);
            args.put(m.group(1), m.group(2));
        }
        assertEquals(Integer.toString(r.microBatchSize()), args.get("per_device_train_batch_size"), where);
        assertEquals(Integer.toString(r.microBatches()), args.get("gradient_accumulation_steps"), where);
        assertEquals(r.recomputedLayers() > 0 ? "True" : "False", args.get("gradient_checkpointing"), where);
        assertEquals(r.optimizerOffload(), args.containsKey("deepspeed"), where);
        if (r.optimizerOffload()) {
            // the inline DeepSpeed config: a Python dict literal, JSON once its booleans are spelled as JSON's
            JsonNode ds;
            try {
                ds = new ObjectMapper().readTree(args.get("deepspeed").replace("True", "true").replace("False", "false"));
            } catch (IOException e) {
                throw new AssertionError("not a dict literal: " + args.get("deepspeed") + " in " + where, e);
            }
            List<String> paths = new ArrayList<>();
            paths(ds, "", paths);
            for (String p : paths) {
                assertTrue(DEEPSPEED_KEYS.contains(p), "undocumented DeepSpeed key " + p + " in " + where);
            }
            assertEquals("cpu", ds.path("zero_optimization").path("offload_optimizer").path("device").asText(), where);
            assertEquals("auto", ds.path("train_micro_batch_size_per_gpu").asText(), where);
        }
    }

    private static void checkMegatron(Workload w, Realisation r, String text, String where) {
        assertFalse(text.contains("\n"), "one line: " + where);
        String[] tokens = text.split(" ");
        Map<String, String> flags = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            String flag = tokens[i];
            assertTrue(flag.startsWith("--"), "a flag, not " + flag + ", in " + where);
            assertTrue(MEGATRON_FLAGS.contains(flag), "not a Megatron flag: " + flag + " in " + where);
            flags.put(flag, i + 1 < tokens.length && !tokens[i + 1].startsWith("--") ? tokens[++i] : "");
        }
        int micro = Integer.parseInt(flags.get("--micro-batch-size"));
        assertEquals(r.batch(), Integer.parseInt(flags.get("--global-batch-size")), where);
        assertEquals(r.microBatches(), r.batch() / micro, where);
        switch (r.policy()) {
            case KEEP -> assertFalse(flags.containsKey("--recompute-granularity"), where);
            case SELECTIVE -> assertEquals("selective", flags.get("--recompute-granularity"), where);
            case FULL -> assertEquals("1", flags.get("--recompute-num-layers"), where);
            case SQRT -> assertEquals(Integer.toString((int) Math.ceil(Math.sqrt(w.model().layers()))),
                    flags.get("--recompute-num-layers"), where);
            case OFFLOAD -> assertEquals(Integer.toString(w.model().layers() - 1), flags.get("--cpu-offloading-num-layers"), where);
        }
        assertEquals(r.optimizerOffload(), flags.containsKey("--optimizer-cpu-offload"), where);
    }

    private static void checkTorchtitan(Realisation r, String text, String where) throws IOException {
        JsonNode c = new TomlMapper().readTree(text);
        List<String> paths = new ArrayList<>();
        paths(c, "", paths);
        for (String p : paths) {
            assertTrue(TORCHTITAN_KEYS.contains(p), "not a torchtitan config key: " + p + " in " + where);
        }
        JsonNode t = c.path("training");
        assertEquals(r.microBatches(), t.path("global_batch_size").asInt() / t.path("local_batch_size").asInt(), where);
        assertEquals(r.batch(), t.path("global_batch_size").asInt(), where);
        String mode = c.path("activation_checkpoint").path("mode").asText();
        assertEquals(r.policy() == ActivationPolicy.KEEP ? "none" : "full", mode, where);
    }

    private static final Pattern TORCH_NAME = Pattern.compile("\\btorch(\\.[a-zA-Z_0-9]+)+");

    private static void checkPytorch(Realisation r, String text, String where) throws Exception {
        Matcher m = TORCH_NAME.matcher(text);
        while (m.find()) {
            assertTrue(PYTORCH_NAMES.contains(m.group()), "not a documented PyTorch name: " + m.group() + " in " + where);
        }
        assertTrue(text.contains("MICRO_BATCHES = " + r.microBatches() + " "), where);
        switch (r.policy()) {
            case KEEP -> assertFalse(text.contains("checkpoint"), where);
            case SELECTIVE -> assertTrue(text.contains("checkpoint(attention_core, q, k, v"), where);
            case FULL -> assertTrue(text.contains("x = checkpoint(layer, x, use_reentrant=False)"), where);
            case SQRT -> assertTrue(text.contains("checkpoint_sequential(model.layers, " + r.segments() + ", x"), where);
            case OFFLOAD -> assertTrue(text.contains("with torch.autograd.graph.save_on_cpu(pin_memory=True):"), where);
        }
        assertEquals(r.optimizerOffload(), text.contains("master = ["), where);
        assertPythonParses(text, where);
    }

    /** Python's own parser, where a python3 is on the path (the form is checked above without it). */
    private static void assertPythonParses(String code, String where) throws Exception {
        if (PYTHON == null || !PARSED.add(code)) {
            return;
        }
        Path f = Files.createTempFile("emit", ".py");
        try {
            Files.writeString(f, code);
            Process p = new ProcessBuilder(PYTHON, "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", f.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out + "\n" + where);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static final String PYTHON = findPython();
    private static final Set<String> PARSED = java.util.Collections.synchronizedSet(new HashSet<>());

    private static String findPython() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "python3"))) {
                return Path.of(dir, "python3").toString();
            }
        }
        return null;
    }

    @Test
    void theHfFormIsPythonToo() throws Exception {
        Workload w = workloads().get(0);
        for (String s : new String[]{"keep", "full+mb4+opt_offload"}) {
            assertPythonParses(FrameworkSettings.of(w, Realisation.of(w, Strategy.parse(s)), Framework.HF).text(), s);
        }
    }

    @Test
    void whatEachFrameworkCannotExpress() {
        Workload gpt = workloads().get(0);
        Map<Framework, List<String>> cannot = Map.of(
                Framework.HF, List.of("selective", "sqrt", "offload"),
                Framework.DEEPSPEED, List.of("selective", "offload"),
                Framework.MEGATRON, List.of(),
                Framework.TORCHTITAN, List.of("selective", "sqrt", "offload", "keep+opt_offload"),
                Framework.PYTORCH, List.of());
        for (Map.Entry<Framework, List<String>> e : cannot.entrySet()) {
            for (Strategy s : Strategy.candidates(gpt)) {
                boolean expected = e.getValue().contains(s.policy().id())
                        || (e.getValue().contains("keep+opt_offload") && s.optimizerOffload());
                boolean refused;
                try {
                    FrameworkSettings.of(gpt, Realisation.of(gpt, s), e.getKey());
                    refused = false;
                } catch (IllegalArgumentException ex) {
                    refused = true;
                }
                assertEquals(expected, refused, e.getKey() + " " + s);
            }
        }
        // Megatron's optimizer CPU offload goes through the precision-aware optimizer, Adam only
        Workload sgd = workloads().get(2);
        assertThrows(IllegalArgumentException.class,
                () -> FrameworkSettings.of(sgd, Realisation.of(sgd, Strategy.parse("full+opt_offload")), Framework.MEGATRON));
    }

    @Test
    void partialPoliciesMapToTheLayerCountOptions() {
        Workload w = workloads().get(1);   // 32 layers
        Strategy full = Strategy.parse("full+mb2");
        Realisation twelve = new Realisation(full, ActivationPolicy.FULL, 32, 12, 1, 2, 2, 4, false);
        // the strategy string's count is what Realisation reads
        Realisation parsed = Realisation.of(w, Strategy.parse("full:12+mb2"));
        assertEquals(12, parsed.policyLayers());
        assertTrue(parsed.partial());
        assertEquals(FrameworkSettings.of(w, twelve, Framework.MEGATRON).text(),
                FrameworkSettings.of(w, parsed, Framework.MEGATRON).text());
        assertEquals(12, parsed.recomputedLayers());
        assertTrue(FrameworkSettings.of(w, twelve, Framework.MEGATRON).text()
                .contains("--recompute-granularity full --recompute-method block --recompute-num-layers 12"));
        assertEquals(12, json(FrameworkSettings.of(w, twelve, Framework.DEEPSPEED).text())
                .path("activation_checkpointing").path("number_checkpoints").asInt());
        // every k-th layer: Transformers counts from 0 (ceil(32/k) layers), torchtitan from 1 (floor(32/k))
        Realisation sixteen = new Realisation(full, ActivationPolicy.FULL, 32, 16, 1, 2, 2, 4, false);
        assertTrue(FrameworkSettings.of(w, sixteen, Framework.HF).text()
                .contains("gradient_checkpointing_kwargs={\"every_n_layers\": 2},"));
        Realisation eleven = new Realisation(full, ActivationPolicy.FULL, 32, 11, 1, 2, 2, 4, false);
        assertTrue(FrameworkSettings.of(w, eleven, Framework.HF).text().contains("{\"every_n_layers\": 3}"));
        // floor(32/2) = 16, floor(32/3) = 10: no k checkpoints 11 layers in torchtitan
        assertThrows(IllegalArgumentException.class, () -> FrameworkSettings.of(w, eleven, Framework.TORCHTITAN));
        Realisation ten = new Realisation(full, ActivationPolicy.FULL, 32, 10, 1, 2, 2, 4, false);
        assertTrue(FrameworkSettings.of(w, ten, Framework.TORCHTITAN).text().contains("mode = \"selective\"\nselective_ac_option = \"3\""));
        Realisation offload = new Realisation(Strategy.parse("offload"), ActivationPolicy.OFFLOAD, 32, 6, 1, 1, 4, 4, false);
        assertTrue(FrameworkSettings.of(w, offload, Framework.MEGATRON).text().endsWith("--cpu-offloading-num-layers 6"));
        assertTrue(FrameworkSettings.of(w, offload, Framework.PYTORCH).text().contains("for layer in model.layers[:6]:"));
        Realisation selective = new Realisation(Strategy.parse("selective"), ActivationPolicy.SELECTIVE, 32, 8, 1, 1, 4, 4, false);
        assertThrows(IllegalArgumentException.class, () -> FrameworkSettings.of(w, selective, Framework.MEGATRON));
        assertEquals(2, ActivationMapping.everyNth(32, 16, false));
        assertEquals(11, ActivationMapping.everyNth(32, 2, false));
        assertEquals(0, ActivationMapping.everyNth(32, 13, false));
    }

    private static JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whereAFrameworkCannotTheNearestIsWhatTheModelRanksFirstAmongWhatItCan() {
        AccessPlanner planner = AccessPlanner.bundled();
        int found = 0;
        for (Workload w : workloadsWithPressure()) {
            Recommendation r = planner.recommend(w);
            for (Framework f : Framework.values()) {
                FrameworkSettings fs = FrameworkSettings.of(r, f);
                assertEquals(r.strategy(), fs.strategy());
                boolean expressible = expressible(w, r.strategy(), f);
                if (expressible) {
                    assertEquals(r.strategy(), fs.realised());
                    continue;
                }
                found++;
                assertNotEquals(r.strategy(), fs.realised());
                assertTrue(expressible(w, fs.realised(), f));
                // independently: among what the framework can express, the fastest fitting prediction, or
                // one within the tie tolerance of it
                Alternative nearest = r.alternatives().stream().filter(a -> a.strategy().equals(fs.realised())).findFirst()
                        .orElseThrow();
                double fastest = r.alternatives().stream().filter(a -> a.fits() && expressible(w, a.strategy(), f))
                        .mapToDouble(Alternative::predictedStepTimeMs).min().orElse(Double.NaN);
                if (!Double.isNaN(fastest)) {
                    assertTrue(nearest.fits(), fs.notesText());
                    assertTrue(nearest.predictedStepTimeMs() <= fastest * (1 + Choice.DEFAULT_TIE_TOLERANCE), fs.notesText());
                }
                String line = fs.notes().get(0);
                assertTrue(line.startsWith(f.displayName() + " cannot express " + r.strategy() + ": "), line);
                assertTrue(line.contains("nearest it has: " + fs.realised() + " ("), line);
                assertTrue(line.contains(String.format(java.util.Locale.ROOT, "predicted %.1f ms a step",
                        nearest.predictedStepTimeMs())), line);
                assertFalse(line.contains("\n"), line);
                assertEquals(FrameworkSettings.of(w, Realisation.of(w, fs.realised()), f).text(), fs.text());
            }
        }
        assertTrue(found >= 5, "recommendations a framework cannot express: " + found);
    }

    private static boolean expressible(Workload w, Strategy s, Framework f) {
        try {
            FrameworkSettings.of(w, Realisation.of(w, s), f);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** GPT and BERT with naive attention and long sequences on small cards: the model picks selective, sqrt, offload. */
    private static List<Workload> workloadsWithPressure() {
        List<Workload> out = new ArrayList<>();
        String[] cards = {"t4-16gb", "v100-sxm-16gb", "l4-24gb", "a100-sxm-40gb"};
        for (String card : cards) {
            for (int seq : new int[]{1024, 2048, 4096}) {
                for (int layers : new int[]{12, 24, 48}) {
                    out.add(new Workload(ModelSpec.of(Family.GPT, layers, 1024, 16, null, null, 50257),
                            new TrainingConfig(seq, 8, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE), DEVICES.get(card)));
                }
            }
        }
        return out;
    }

    @Test
    void anUnknownFrameworkIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Framework.parse("keras"));
        assertEquals("Unknown framework: 'keras' (expected hf, deepspeed, megatron, torchtitan, pytorch)", e.getMessage());
        assertEquals(Framework.DEEPSPEED, Framework.parse("DeepSpeed"));
    }
}
