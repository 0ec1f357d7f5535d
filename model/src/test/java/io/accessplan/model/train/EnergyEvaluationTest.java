package io.accessplan.model.train;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.evaluate.EnergyEvaluation;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Evaluator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Energy metrics of an evaluation against a direct computation on the rows. */
class EnergyEvaluationTest {

    @Test
    void heuristicEnergyRegretAndMapeMatchAComputationByHand() {
        List<Observation> train = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(20, 8)));
        StrategyModel m = ModelTrainer.train(train, TrainOptions.defaults().withTrees(20, 4).withFolds(0)).model();
        List<Observation> rows = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(15, 21)));
        EvaluationReport r = Evaluator.evaluate(m, rows);
        EnergyEvaluation e = EnergyEvaluation.of(m, rows, r);

        Strategy keep = Strategy.parse("keep");
        Strategy full = Strategy.parse("full");
        List<Double> regrets = new ArrayList<>();
        Map<String, List<Observation>> by = rows.stream().collect(Collectors.groupingBy(o -> o.workload().id()));
        for (List<Observation> g : by.values()) {
            Workload w = g.get(0).workload();
            double least = g.stream().filter(Observation::fits).mapToDouble(o -> o.measurement().energyJ()).min()
                    .orElse(Double.NaN);
            Strategy h = Planner.plan(w, keep).fits() ? keep : full;
            g.stream().filter(o -> o.strategy().equals(h) && o.fits()).findFirst()
                    .ifPresent(o -> regrets.add(o.measurement().energyJ() / least - 1));
        }
        double expected = regrets.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        assertEquals(expected, e.energyRegret().get("heuristic"), 1e-12);
        assertTrue(e.energyRegret().get("model") >= 0);
        double ape = 0;
        int n = 0;
        for (List<Observation> g : by.values()) {   // one strategy at a time: a prediction does not depend on the others
            Workload w = g.get(0).workload();
            for (Observation o : g) {
                if (!o.fits()) {
                    continue;
                }
                var a = io.accessplan.features.encode.Analysis.all(w, List.of(o.strategy()));
                double pred = m.energyJ(a, m.predict(a, w))[0];
                ape += Math.abs(pred - o.measurement().energyJ()) / o.measurement().energyJ();
                n++;
            }
        }
        assertEquals(ape / n, e.energyMape(), 1e-9);
        assertTrue(e.keepMissWorkloads() >= 0);
    }
}
