package io.accessplan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.accessplan.collector.sim.SimBackend;
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
import io.accessplan.model.Observation;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.train.TrainOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code recommend --objective}: energy answers from a model trained on simulated rows with energy. */
class ObjectiveCommandTest {
    private static final String[] GPT = {"--family", "gpt", "--layers", "6", "--hidden", "512", "--heads", "8",
            "--seq-len", "512", "--batch", "16", "--precision", "fp16", "--device", "t4-16gb"};

    @TempDir
    Path tmp;

    private static String[] args(String... extra) {
        List<String> a = new ArrayList<>(List.of("recommend"));
        a.addAll(List.of(GPT));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** The bundled model without its energy regressor: a file as written before energy, or from rows without it. */
    private Path modelWithoutEnergy() throws Exception {
        io.accessplan.model.StrategyModel b = io.accessplan.predictor.AccessPlanner.bundled().model();
        assertTrue(b.predictsEnergy(), "the bundled model is trained on sim-standard's energy_j");
        Path f = tmp.resolve("no-energy.apm");
        java.nio.file.Files.write(f, new io.accessplan.model.StrategyModel(b.metadata(), b.timeModel(), b.peakModel(),
                b.rankModel(), null, null, null, b.levelModel()).toBytes());   // its level regressor kept, whichever form
        return f;
    }

    private Path simModel() throws Exception {
        SimBackend sim = new SimBackend();
        List<Observation> rows = new ArrayList<>();
        int[] hidden = {256, 384, 512, 768};
        for (int l = 2; l <= 8; l += 2) {
            for (int h : hidden) {
                for (String dev : new String[]{"t4-16gb", "a100-sxm-40gb"}) {
                    Workload w = new Workload(ModelSpec.of(Family.GPT, l, h, h / 64),
                            new TrainingConfig(512, 16, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                            DeviceCatalog.builtin().get(dev));
                    for (Strategy s : Strategy.candidates(w)) {
                        rows.add(new Observation(w, s, sim.measure(Planner.schedule(w, s), 3, 1)));
                    }
                }
            }
        }
        Path f = tmp.resolve("energy.apm");
        ModelTrainer.train(rows, TrainOptions.defaults().withTrees(20, 4).withFolds(0)).model().save(f);
        return f;
    }

    @Test
    void energyPicksTheLeastEnergyThatFitsAndNamesTimesPickAndItsCost() throws Exception {
        String model = simModel().toString();
        Cli.Run e = Cli.run(args("--model", model, "--objective", "energy", "--json"));
        assertEquals(0, e.code(), e.err());
        JsonNode j = new ObjectMapper().readTree(e.out());
        assertEquals("energy", j.get("objective").asText());
        double best = j.get("predicted_energy_j").asDouble();
        assertTrue(best > 0);
        for (JsonNode a : j.get("alternatives")) {
            assertTrue(!a.get("fits").asBoolean() || a.get("predicted_energy_j").asDouble() >= best, a.toString());
            assertTrue(a.has("redundant_hbm_bytes"));
        }
        JsonNode t = new ObjectMapper().readTree(Cli.run(args("--model", model, "--json")).out());
        JsonNode other = j.get("other_objective");
        assertEquals("time", other.get("objective").asText());
        assertEquals(t.get("strategy").asText(), other.get("strategy").asText(), "time's pick is plain recommend's");
        assertEquals(other.get("predicted_energy_j").asDouble() / best - 1, other.get("energy_change").asDouble(), 1e-9);
        assertTrue(other.get("energy_change").asDouble() >= 0);
        // and the time answer names the energy pick back
        assertEquals(j.get("strategy").asText(), t.get("other_objective").get("strategy").asText());
        Cli.Run within = Cli.run(args("--model", model, "--objective", "energy-within:5%"));
        assertEquals(0, within.code(), within.err());
        assertTrue(within.out().startsWith("energy-within:5%: "), within.out());
    }

    @Test
    void batchAnswersEachJobUnderTheObjectiveAsRecommendDoes() throws Exception {
        String model = simModel().toString();
        Path jobs = tmp.resolve("jobs.csv");
        java.nio.file.Files.writeString(jobs, "family,layers,hidden,heads,seq_len,batch,precision,device\n"
                + "gpt,6,512,8,512,16,fp16,t4-16gb\n");
        Path out = tmp.resolve("answers.jsonl");
        Cli.Run b = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString(), "--model", model,
                "--objective", "energy");
        assertEquals(0, b.code(), b.err());
        JsonNode row = new ObjectMapper().readTree(java.nio.file.Files.readAllLines(out).get(0));
        JsonNode rec = new ObjectMapper().readTree(Cli.run(args("--model", model, "--objective", "energy", "--json")).out());
        assertEquals(rec.get("strategy").asText(), row.get("strategy").asText());
        assertEquals(rec.get("predicted_energy_j").asDouble(), row.get("predicted_energy_j").asDouble(), 1e-9);
        assertEquals("time", row.get("other_objective").asText());
        assertEquals(rec.get("other_objective").get("strategy").asText(), row.get("other_strategy").asText());

        Path none = tmp.resolve("none.jsonl");
        Cli.Run refused = Cli.run("batch", "--jobs", jobs.toString(), "--out", none.toString(), "--model",
                modelWithoutEnergy().toString(), "--objective", "energy");
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("retrain"), refused.err());
        assertFalse(java.nio.file.Files.exists(none), "nothing written");
    }

    @Test
    void badOrUnservableObjectivesAreOneLineWithExitCode2() throws Exception {
        Cli.Run bad = Cli.run(args("--objective", "joules"));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("Unknown objective: joules"), bad.err());
        assertFalse(bad.err().strip().contains("\n"), bad.err());
        Cli.Run none = Cli.run(args("--model", modelWithoutEnergy().toString(), "--objective", "energy"));
        assertEquals(2, none.code());
        assertTrue(none.err().contains("retrain"), none.err());
        assertFalse(none.err().strip().contains("\n"), none.err());
        Cli.Run bundled = Cli.run(args("--objective", "energy"));   // the bundled model is trained with energy
        assertEquals(0, bundled.code(), bundled.err());
    }
}
