package io.accessplan.predictor;

import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.model.Objective;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.train.TrainOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lookups under an objective through the Java API. */
class ObjectiveAnswerTest {

    /**
     * A model without its energy regressors, its level regressor kept as it is: the absolute
     * step-time forest (timeModel) where the file has one, else the workload-level one (levelModel).
     */
    private static StrategyModel withoutEnergy(StrategyModel m) {
        return new StrategyModel(m.metadata(), m.timeModel(), m.peakModel(), m.rankModel(), null, null, null,
                m.levelModel());
    }

    /** Rows whose time and energy follow simple formulas of the plan (an idle floor, energy per FLOP and byte). */
    private static List<Observation> rows(List<Workload> ws) {
        return ws.stream().flatMap(w -> Strategy.candidates(w).stream().map(s -> {
            Plan p = Planner.plan(w, s);
            boolean oom = !p.fits();
            double ms = p.flops() / 5e10 + p.hbmBytes() / 1e9 + p.pcieBytes() / 2e7 + 1;
            double j = 0.08 * ms + 0.5e-12 * p.flops() + 40e-12 * p.hbmBytes() + 160e-12 * p.pcieBytes();
            return new Observation(w, s, new Measurement("synthetic", 3, oom ? Double.NaN : ms, oom ? Double.NaN : 0.0,
                    p.peakMemoryBytes(), oom, p.pcieBytes(), p.hbmBytes(), p.flops(), p.recomputeFlops(), "",
                    oom ? Double.NaN : j));
        })).toList();
    }

    @Test
    void energyPicksTheLeastPredictedEnergyAndSaysWhatTimeWouldPick() {
        AccessPlanner planner = AccessPlanner.of(ModelTrainer.train(rows(Workloads.random(20, 4)),
                TrainOptions.defaults().withTrees(20, 4).withFolds(0)).model());
        for (Workload w : Workloads.random(6, 77)) {
            ObjectiveAnswer e = planner.recommend(w, Objective.ENERGY);
            List<Prediction> ps = e.predictions();
            if (e.prediction().fits()) {
                for (int i = 0; i < ps.size(); i++) {
                    assertTrue(!ps.get(i).fits() || e.energyJ()[i] >= e.predictedEnergyJ());
                }
            }
            assertEquals(Objective.TIME, e.other());
            assertEquals(planner.recommend(w).strategy(), e.otherPrediction().strategy(), "time's pick is recommend's");
            ObjectiveAnswer t = planner.recommend(w, Objective.TIME);
            assertEquals(planner.recommend(w).strategy(), t.prediction().strategy());
            assertEquals(e.prediction().strategy(), t.otherPrediction().strategy());
            assertTrue(e.predictedEnergyJ() <= t.predictedEnergyJ() || !t.prediction().fits());
            assertEquals(e.predictedEnergyJ() / w.training().batch(), e.predictedEnergyPerSampleJ(), 1e-12);
            assertFalse(e.summary().contains("\n"));
        }
    }

    @Test
    void predictionsWithEnergyEncodedOnceEqualPredictionsThenEnergiesBitForBit() {
        StrategyModel m = AccessPlanner.bundled().model();
        assertTrue(m.predictsEnergy());
        StrategyModel noEnergy = withoutEnergy(m);
        for (StrategyModel model : List.of(m, noEnergy)) {
            for (Workload w : Workloads.random(40, 77)) {
                // the workload's candidates, and a part of them (their energy level is then the candidates')
                List<Strategy> all = model.candidates(w);
                for (List<Strategy> ss : List.of(all, all.subList(0, Math.max(1, all.size() / 2)))) {
                    List<io.accessplan.features.encode.Analysis> as = io.accessplan.features.encode.Analysis.all(w, ss);
                    List<Prediction> ps = model.predict(as, w);
                    double[] e = model.energyJ(as, ps);
                    StrategyModel.WithEnergy both = model.predictWithEnergy(as, w);
                    assertEquals(ps, both.predictions(), w.canonical());
                    assertEquals(e.length, both.energyJ().length);
                    for (int i = 0; i < e.length; i++) {
                        assertEquals(Double.doubleToLongBits(e[i]), Double.doubleToLongBits(both.energyJ()[i]),
                                w.canonical() + " " + ss.get(i));
                    }
                }
            }
        }
    }

    @Test
    void aModelWithoutEnergyAnswersTimeAndRefusesEnergyInOneLine() {
        // the bundled model without its energy regressor: a file written before energy, or trained on rows without it
        StrategyModel b = AccessPlanner.bundled().model();
        assertTrue(b.predictsEnergy(), "the bundled model is trained on sim-standard's energy_j");
        AccessPlanner planner = AccessPlanner.of(withoutEnergy(b));
        Workload w = Workloads.random(1, 3).get(0);
        ObjectiveAnswer t = planner.recommend(w, Objective.TIME);
        assertEquals(planner.recommend(w).strategy(), t.prediction().strategy());
        assertEquals(null, t.otherPrediction());
        assertTrue(Double.isNaN(t.predictedEnergyJ()));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> planner.recommend(w, Objective.parse("energy-within:5%")));
        assertTrue(ex.getMessage().contains("energy-within:5%") && ex.getMessage().contains("retrain"), ex.getMessage());
    }

    @Test
    void theBundledModelAnswersEnergyWithAPositiveFiniteEnergyPerStep() {
        AccessPlanner planner = AccessPlanner.bundled();
        for (Workload w : Workloads.random(10, 5)) {
            ObjectiveAnswer e = planner.recommend(w, Objective.ENERGY);
            if (e.prediction().fits()) {
                assertTrue(e.predictedEnergyJ() > 0 && Double.isFinite(e.predictedEnergyJ()), w + ": " + e.summary());
                assertEquals(planner.recommend(w).strategy(), e.otherPrediction().strategy(), "time's pick is recommend's");
            }
        }
    }
}
