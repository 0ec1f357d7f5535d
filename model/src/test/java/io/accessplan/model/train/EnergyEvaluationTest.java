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
import io.accessplan.model.evaluate.ObjectiveComparison;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Energy metrics of an evaluation against a direct computation on the rows. */
class EnergyEvaluationTest {
    private static StrategyModel model;

    /** A small model with an energy regressor, trained once on synthetic rows with energy. */
    private static synchronized StrategyModel energyModel() {
        if (model == null) {
            List<Observation> train = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(20, 8)));
            model = ModelTrainer.train(train, TrainOptions.defaults().withTrees(20, 4).withFolds(0)).model();
        }
        return model;
    }

    /** The held-out rows the first two tests compute by hand, with their energy evaluation (once for both). */
    private record Evaluated(List<Observation> rows, EnergyEvaluation energy) {
    }

    private static Evaluated evaluated;

    private static synchronized Evaluated evaluated() {
        if (evaluated == null) {
            StrategyModel m = energyModel();
            List<Observation> rows = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(15, 21)));
            EvaluationReport r = Evaluator.evaluate(m, rows);
            evaluated = new Evaluated(rows, EnergyEvaluation.of(m, rows, r));
        }
        return evaluated;
    }

    @Test
    void heuristicEnergyRegretAndMapeMatchAComputationByHand() {
        StrategyModel m = energyModel();
        List<Observation> rows = evaluated().rows();
        EnergyEvaluation e = evaluated().energy();

        Strategy keep = Strategy.parse("keep");
        Strategy full = Strategy.parse("full");
        List<Double> regrets = new ArrayList<>();
        Map<String, List<Observation>> by = rows.stream().collect(Collectors.groupingBy(o -> o.workload().id()));
        for (List<Observation> g : by.values()) {
            Workload w = g.get(0).workload();
            double least = leastEnergy(g);
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

    /** The least measured energy among a workload's truly fitting rows. */
    private static double leastEnergy(List<Observation> g) {
        return g.stream().filter(Observation::fits).mapToDouble(o -> o.measurement().energyJ()).min().orElse(Double.NaN);
    }

    @Test
    void everyBaselineIncludingAnalyticHasAnEnergyRegretAsComputedByHand() {
        StrategyModel m = energyModel();
        List<Observation> rows = evaluated().rows();
        EnergyEvaluation e = evaluated().energy();
        assertEquals(List.of("model", "model-energy", "heuristic", "analytic", "always-full"),
                List.copyOf(e.energyRegret().keySet()));

        List<Double> analytic = new ArrayList<>();
        List<Double> byEnergy = new ArrayList<>();
        Map<String, List<Observation>> by = rows.stream().collect(Collectors.groupingBy(o -> o.workload().id()));
        for (List<Observation> g : by.values()) {
            Workload w = g.get(0).workload();
            double least = leastEnergy(g);
            // analytic: the fastest roofline time whose exact analytic peak fits, else the least analytic peak
            Observation pick = null;
            Observation leanest = null;
            double pickMs = Double.POSITIVE_INFINITY;
            for (Observation o : g) {
                var plan = Planner.plan(w, o.strategy());
                double ms = io.accessplan.features.encode.Roofline.of(plan).stepTimeMs();
                if (plan.peakMemoryBytes() <= w.device().memoryBytes() && ms < pickMs) {
                    pick = o;
                    pickMs = ms;
                }
                if (leanest == null || plan.peakMemoryBytes() < Planner.plan(w, leanest.strategy()).peakMemoryBytes()) {
                    leanest = o;
                }
            }
            Observation a = pick != null ? pick : leanest;
            if (a.fits()) {
                analytic.add(a.measurement().energyJ() / least - 1);
            }
            // the model by energy: least predicted energy among the strategies predicted to fit
            List<Strategy> ss = g.stream().map(Observation::strategy).toList();
            var as = io.accessplan.features.encode.Analysis.all(w, ss);
            var ps = m.predict(as, w);
            double[] pe = m.energyJ(as, ps);
            int best = -1;
            for (int k = 0; k < ps.size(); k++) {
                if (ps.get(k).fits() && (best < 0 || pe[k] < pe[best])) {
                    best = k;
                }
            }
            if (best >= 0 && g.get(best).fits()) {
                byEnergy.add(g.get(best).measurement().energyJ() / least - 1);
            }
        }
        assertFalse(analytic.isEmpty());
        assertEquals(analytic.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
                e.energyRegret().get("analytic"), 1e-12);
        assertEquals(byEnergy.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
                e.energyRegret().get("model-energy"), 1e-12);
        assertTrue(e.energyRegret().get("model-energy") <= e.energyRegret().get("always-full"),
                "choosing by predicted energy beats always recomputing, in energy");
        assertTrue(e.energyRegret().values().stream().allMatch(v -> v >= 0));
    }

    @Test
    void whereKeepDoesNotFitTheSavingsOverTheHeuristicAreTheMeasuredOnes() {
        StrategyModel m = energyModel();
        List<Observation> rows = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(40, 33)));
        EvaluationReport r = Evaluator.evaluate(m, rows);
        EnergyEvaluation e = EnergyEvaluation.of(m, rows, r);
        Map<String, Strategy> chosen = r.workloads().stream()
                .collect(Collectors.toMap(x -> x.workload().id(), EvaluationReport.WorkloadResult::chosen));
        Strategy keep = Strategy.parse("keep");
        Strategy full = Strategy.parse("full");
        List<Double> time = new ArrayList<>();
        List<Double> energy = new ArrayList<>();
        int all = 0;
        int heurOom = 0;
        for (List<Observation> g : rows.stream().collect(Collectors.groupingBy(o -> o.workload().id())).values()) {
            Workload w = g.get(0).workload();
            Map<Strategy, Observation> s = g.stream().collect(Collectors.toMap(Observation::strategy, o -> o));
            if (s.get(keep).fits() || g.stream().noneMatch(Observation::fits)) {
                continue;
            }
            all++;
            Observation h = s.get(Planner.plan(w, keep).fits() ? keep : full);
            Observation mine = s.get(chosen.get(w.id()));
            heurOom += h.fits() ? 0 : 1;
            if (h.fits() && mine.fits()) {
                time.add(1 - mine.measurement().stepTimeMs() / h.measurement().stepTimeMs());
                energy.add(1 - mine.measurement().energyJ() / h.measurement().energyJ());
            }
        }
        assertTrue(all > 0, "the synthetic workloads include some where keep does not fit");
        assertEquals(all, e.keepMissAll());
        assertEquals(heurOom, e.keepMissHeuristicOom());
        assertEquals(time.size(), e.keepMissWorkloads());
        assertEquals(time.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), e.stepTimeSaving(), 1e-12);
        assertEquals(energy.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), e.energySaving(), 1e-12);
        assertTrue(e.stepTimeSaving() >= 0, "the model is no slower than full recomputation where keep does not fit");
    }

    @Test
    void choosingByEnergyAgainstTimeCountsTheWorkloadsWhereTheyDifferAndWhatEachCosts() {
        StrategyModel m = energyModel();
        List<Observation> rows = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(30, 5)));
        EvaluationReport r = Evaluator.evaluate(m, rows);
        ObjectiveComparison c = EnergyEvaluation.of(m, rows, r).objectives();
        int n = 0;
        List<Double> timeCost = new ArrayList<>();
        List<Double> energyCost = new ArrayList<>();
        int measured = 0;
        List<Double> mTime = new ArrayList<>();
        for (List<Observation> g : rows.stream().collect(Collectors.groupingBy(o -> o.workload().id())).values()) {
            Workload w = g.get(0).workload();
            List<Observation> fit = g.stream().filter(Observation::fits).toList();
            if (fit.isEmpty()) {
                continue;
            }
            measured++;
            Observation fastest = fit.stream().min(java.util.Comparator.comparingDouble(o -> o.measurement().stepTimeMs()))
                    .orElseThrow();
            Observation leanest = fit.stream().min(java.util.Comparator.comparingDouble(o -> o.measurement().energyJ()))
                    .orElseThrow();
            if (fastest != leanest) {
                mTime.add(leanest.measurement().stepTimeMs() / fastest.measurement().stepTimeMs() - 1);
            }
            List<Strategy> ss = g.stream().map(Observation::strategy).toList();
            var as = io.accessplan.features.encode.Analysis.all(w, ss);
            var ps = m.predict(as, w);
            double[] pe = m.energyJ(as, ps);
            Observation byTime = g.get(io.accessplan.model.Choice.decide(ps, 0.03).chosen());
            int best = -1;
            for (int k = 0; k < ps.size(); k++) {
                if (ps.get(k).fits() && (best < 0 || pe[k] < pe[best])) {
                    best = k;
                }
            }
            Observation byEnergy = g.get(best);
            if (!byTime.fits() || !byEnergy.fits()) {
                continue;
            }
            n++;
            if (byTime != byEnergy) {
                timeCost.add(byEnergy.measurement().stepTimeMs() / byTime.measurement().stepTimeMs() - 1);
                energyCost.add(byTime.measurement().energyJ() / byEnergy.measurement().energyJ() - 1);
            }
        }
        assertEquals(n, c.workloads());
        assertEquals(timeCost.size(), c.differ());
        assertTrue(c.differ() > 0, "energy and time disagree somewhere on these rows");
        assertEquals(timeCost.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), c.energyPickTimeCost(), 1e-12);
        assertEquals(energyCost.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), c.timePickEnergyCost(), 1e-12);
        assertEquals(measured, c.measuredWorkloads());
        assertEquals(mTime.size(), c.measuredDiffer());
        assertEquals(mTime.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), c.measuredTimeCost(), 1e-12);
        assertTrue(c.measuredDiffer() == 0 || c.measuredTimeCost() > 0, "the least-energy strategy is slower where it is not the fastest");
        ObjectiveComparison back = ObjectiveComparison.fromMetadata(c.toMetadata());
        assertEquals(c.toMap(), back.toMap(), "the figures survive a model file's metadata");
    }
}
