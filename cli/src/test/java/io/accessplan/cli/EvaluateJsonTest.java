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
import io.accessplan.model.StrategyModel;
import io.accessplan.model.evaluate.EnergyEvaluation;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.train.TrainOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code evaluate --json}: energy regret beside time regret, for the model and every baseline. */
class EvaluateJsonTest {

    /** Simulated rows (with the power model's energy) of small GPTs on two cards, every candidate. */
    private static List<Observation> simRows(int seqLen) {
        SimBackend sim = new SimBackend();
        List<Observation> rows = new ArrayList<>();
        for (int l = 2; l <= 12; l += 2) {
            for (int h : new int[]{256, 512, 1024, 2048}) {
                for (String dev : new String[]{"t4-16gb", "a100-sxm-40gb"}) {
                    Workload w = new Workload(ModelSpec.of(Family.GPT, l, h, h / 64),
                            new TrainingConfig(seqLen, 16, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                            DeviceCatalog.builtin().get(dev));
                    for (Strategy s : Strategy.candidates(w)) {
                        rows.add(new Observation(w, s, sim.measure(Planner.schedule(w, s), 3, 1)));
                    }
                }
            }
        }
        return rows;
    }

    private static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void everyMethodIncludingAnalyticHasItsEnergyRegretBesideItsTimeRegret() throws Exception {
        StrategyModel m = ModelTrainer.train(simRows(512), TrainOptions.defaults().withTrees(20, 4).withFolds(0)).model();
        List<Observation> rows = simRows(1024);
        EvaluationReport r = Evaluator.evaluate(m, rows);
        EnergyEvaluation e = EnergyEvaluation.of(m, rows, r);
        JsonNode j = new ObjectMapper().readTree(EvaluateCommand.withAdditions(r.toJson(), e, Map.of(), null));

        assertTrue(j.get("energy_mape").asDouble() > 0);
        List<String> top = keys(j);
        assertEquals(top.indexOf("mean_regret") + 1, top.indexOf("mean_energy_regret"), top.toString());
        assertEquals(e.energyRegret().get("model"), j.get("mean_energy_regret").asDouble(), 1e-12);
        for (String b : List.of("heuristic", "analytic", "always-full")) {
            JsonNode base = j.get("baselines").get(b);
            List<String> ks = keys(base);
            assertEquals(ks.indexOf("mean_regret") + 1, ks.indexOf("mean_energy_regret"), b + " " + ks);
            assertEquals(e.energyRegret().get(b), base.get("mean_energy_regret").asDouble(), 1e-12, b);
            assertEquals(r.baselines().get(b).meanRegret(), base.get("mean_regret").asDouble(), 1e-12, b);
            assertTrue(base.get("mean_energy_regret").asDouble() >= 0, b);
            assertTrue(j.get("energy").get("energy_choice").get(b).asText().length() > 10, "how " + b + " picks by energy");
        }
        assertTrue(j.get("energy").get("energy_choice").get("analytic").asText().contains("no energy estimate"));
        assertTrue(j.get("energy").get("energy_regret").has("model-energy"), "the model's own energy choice");
        JsonNode o = j.get("energy").get("objectives");
        assertEquals(e.objectives().differ(), o.get("energy_pick_differs").asInt());
        JsonNode vs = j.get("energy").get("vs_heuristic_where_keep_does_not_fit");
        assertEquals(e.keepMissAll(), vs.get("keep_does_not_fit").asInt());
        assertTrue(e.keepMissAll() > 0, "some of these workloads do not fit with keep");
        assertEquals(e.stepTimeSaving(), vs.get("step_time_saving").asDouble(), 1e-12);
        String text = EvaluateCommand.energyTable(e);
        assertTrue(text.contains("analytic") && text.contains("where keep does not fit") && text.contains("choosing by energy"),
                text);
    }
}
