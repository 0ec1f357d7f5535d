package io.accessplan.model.evaluate;

import io.accessplan.model.Json;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.train.TestModels;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {
    private static final double GIB = 1L << 30;

    private static Workload workload(int layers) {
        return new Workload(ModelSpec.of(Family.GPT, layers, 768, 12), new TrainingConfig(512, 8, Precision.FP16,
                OptimizerKind.ADAM, AttentionKind.FUSED), DeviceCatalog.builtin().get("t4-16gb"));
    }

    private static Observation row(Workload w, String s, double ms, double peakGib, boolean oom) {
        return new Observation(w, Strategy.parse(s), new Measurement("synthetic", 1, oom ? Double.NaN : ms, 0,
                (long) (peakGib * GIB), oom, 0, 0, 0, 0, ""));
    }

    @Test
    void metricsOfAHandBuiltCaseEqualTheHandComputedValues() {
        Workload a = workload(4);
        Workload b = workload(6);
        Workload c = workload(8);
        List<Observation> rows = new ArrayList<>();
        List<double[]> pred = new ArrayList<>();   // predicted {ms, GiB}
        // A: keep is predicted not to fit (15 * 1.1 > 16); full is picked, sqrt was best -> regret 130/120 - 1
        rows.add(row(a, "keep", 100, 20, true));
        pred.add(new double[]{90, 15});
        rows.add(row(a, "full", 130, 10, false));
        pred.add(new double[]{120, 10});
        rows.add(row(a, "sqrt", 120, 12, false));
        pred.add(new double[]{125, 12});
        // B: keep is picked and is best -> regret 0, top-1
        rows.add(row(b, "keep", 50, 8, false));
        pred.add(new double[]{45, 8});
        rows.add(row(b, "full", 70, 5, false));
        pred.add(new double[]{52, 5});
        rows.add(row(b, "offload", 60, 6, false));
        pred.add(new double[]{80, 6});
        // C: keep is predicted to fit (14 * 1.1 <= 16) but truly runs out of memory -> oom
        rows.add(row(c, "keep", 0, 17, true));
        pred.add(new double[]{10, 14});
        rows.add(row(c, "full", 20, 9, false));
        pred.add(new double[]{25, 9});
        double[] t = pred.stream().mapToDouble(p -> p[0]).toArray();
        double[] p = pred.stream().mapToDouble(x -> x[1] * GIB).toArray();

        Metrics m = Evaluator.score(rows, t, p, 0.10);

        assertEquals(3, m.workloads());
        assertEquals(1.0 / 3, m.top1Accuracy(), 1e-12);
        assertEquals((130.0 / 120 - 1 + 0) / 2, m.meanRegret(), 1e-12);
        assertEquals(130.0 / 120 - 1, m.p95Regret(), 1e-12);
        assertEquals(1.0 / 3, m.oomRate(), 1e-12);
        double timeMape = (10.0 / 130 + 5.0 / 120 + 5.0 / 50 + 18.0 / 70 + 20.0 / 60 + 5.0 / 20) / 6;
        assertEquals(timeMape, m.stepTimeMape(), 1e-12);
        double peakMape = (5.0 / 20 + 0 + 0 + 0 + 0 + 0 + 3.0 / 17 + 0) / 8;
        assertEquals(peakMape, m.peakMemoryMape(), 1e-9);
    }

    private static Observation noisy(Workload w, String s, double ms, double stdev, int repeats, boolean oom) {
        return new Observation(w, Strategy.parse(s), new Measurement("cuda", repeats, oom ? Double.NaN : ms,
                oom ? Double.NaN : stdev, (long) (5 * GIB), oom, 0, 0, 0, 0, ""));
    }

    /** Four workloads, two strategies each; the prediction picks {@code keep} in every one. */
    private static Metrics withinNoiseCase(double stdevB, int repeatsB, double stdevC) {
        Workload a = workload(4);
        Workload b = workload(6);
        Workload c = workload(8);
        Workload d = workload(10);
        List<Observation> rows = List.of(
                // A: keep picked, 1.5 ms behind full; se 2/sqrt(4) = 1 each: 1.5 <= 2 sqrt(1 + 1) = 2.83 -> within noise
                noisy(a, "keep", 101.5, 2, 4, false), noisy(a, "full", 100, 2, 4, false),
                // B: keep picked, 3 ms behind; se 0.5 each: 3 > 2 sqrt(0.25 + 0.25) = 1.41 -> a real miss
                noisy(b, "keep", 103, 1, 4, false), noisy(b, "full", 100, stdevB, repeatsB, false),
                // C: keep picked and best -> a hit, whatever the spread
                noisy(c, "keep", 50, stdevC, 4, false), noisy(c, "full", 60, stdevC, 4, false),
                // D: keep picked but truly out of memory -> a miss, no spread needed
                noisy(d, "keep", 0, 0, 4, true), noisy(d, "full", 20, 1, 4, false));
        double[] t = {50, 90, 50, 90, 40, 80, 10, 25};
        double[] p = new double[t.length];
        java.util.Arrays.fill(p, 5 * GIB);
        return Evaluator.score(rows, t, p, 0.10);
    }

    @Test
    void top1WithinNoiseCountsTheMissesWithinTwoStandardErrorsOfTheBest() {
        Metrics m = withinNoiseCase(1, 4, 3);
        assertEquals(4, m.workloads());
        assertEquals(1.0 / 4, m.top1Accuracy(), 1e-12);     // only C is an exact hit
        assertEquals(2.0 / 4, m.top1WithinNoise(), 1e-12);  // C, and A's miss within noise
        assertEquals(1.0 / 4, m.oomRate(), 1e-12);
        // the rule itself, by hand: the edge is inclusive, and a spread is needed on both rows
        assertEquals(Boolean.TRUE, Metrics.withinNoise(100 + 2 * Math.sqrt(2), 2, 4, 100, 2, 4));
        assertEquals(Boolean.FALSE, Metrics.withinNoise(100 + 2 * Math.sqrt(2) + 1e-9, 2, 4, 100, 2, 4));
        assertEquals(null, Metrics.withinNoise(101, Double.NaN, 4, 100, 2, 4));
        assertEquals(null, Metrics.withinNoise(101, 2, 1, 100, 2, 4));
        // a hit's rows need no spread
        assertEquals(2.0 / 4, withinNoiseCase(1, 4, Double.NaN).top1WithinNoise(), 1e-12);
        // a miss whose rows have no spread (no stdev, or a single repeat): the figure cannot be said
        assertTrue(Double.isNaN(withinNoiseCase(Double.NaN, 4, 3).top1WithinNoise()));
        assertFalse(withinNoiseCase(Double.NaN, 4, 3).toMap().containsKey("top1_within_noise"), "absent, not NaN");
        assertEquals(0.5, withinNoiseCase(1, 4, 3).toMap().get("top1_within_noise"));
        assertTrue(Double.isNaN(withinNoiseCase(1, 1, 3).top1WithinNoise()));
        assertEquals(1.0 / 4, withinNoiseCase(Double.NaN, 4, 3).top1Accuracy(), 1e-12);   // top-1 unchanged
        // the constructor that predates the figure leaves it NaN
        assertTrue(Double.isNaN(new Metrics(1, 1, 0, 0, 0, 0, 0).top1WithinNoise()));
        assertEquals(0.5, new Metrics(1, 1, 0, 0, 0, 0, 0, 0.5).top1WithinNoise());
    }

    @Test
    void aWorkloadWhereNothingFitsIsNotCounted() {
        Workload a = workload(4);
        List<Observation> rows = List.of(row(a, "keep", 0, 30, true), row(a, "full", 0, 20, true));
        Metrics m = Evaluator.score(rows, new double[]{1, 2}, new double[]{30 * GIB, 20 * GIB}, 0);
        assertEquals(0, m.workloads());
    }

    @Test
    void jsonHasTheDesignFieldsAndTheThreeBaselines() {
        EvaluationReport r = TestModels.trained().crossValidation();
        String json = r.toJson();
        assertTrue(r.toTable().contains("top1_within_noise"), r.toTable());
        for (String f : new String[]{"\"workloads\"", "\"top1_accuracy\"", "\"top1_within_noise\"", "\"mean_regret\"", "\"p95_regret\"",
                "\"oom_rate\"", "\"step_time_mape\"", "\"peak_memory_mape\"", "\"baselines\"", "\"heuristic\"",
                "\"analytic\"", "\"always-full\""}) {
            assertTrue(json.contains(f), f);
        }
        @SuppressWarnings("unchecked")
        var parsed = (java.util.Map<String, Object>) Json.parse(json);
        assertEquals((double) r.model().workloads(), ((Number) parsed.get("workloads")).doubleValue());
        assertTrue(r.toTable().contains("always-full"));
    }

    @Test
    void crossValidatedModelBeatsAlwaysFullOnSyntheticData() {
        EvaluationReport r = TestModels.trained().crossValidation();
        assertTrue(r.model().meanRegret() < r.baselines().get("always-full").meanRegret());
        assertTrue(r.model().oomRate() <= r.baselines().get("always-full").oomRate());
    }

    @Test
    void theEvaluatorScoresTheChoiceTheModelAnswersUsersWith() {
        StrategyModel model = TestModels.trained().model();
        List<Observation> rows = SyntheticRows.rows(SyntheticRows.workloads(30, 99));
        EvaluationReport r = Evaluator.evaluate(model, rows);
        java.util.Map<String, List<Strategy>> byWorkload = new java.util.LinkedHashMap<>();
        for (Observation o : rows) {
            byWorkload.computeIfAbsent(o.workload().id(), k -> new ArrayList<>()).add(o.strategy());
        }
        assertTrue(r.workloads().size() > 0);
        for (EvaluationReport.WorkloadResult d : r.workloads()) {
            Workload w = d.workload();
            Prediction answer = StrategyModel.choose(model.predict(w, byWorkload.get(w.id())));
            assertEquals(answer.strategy(), d.chosen(), w.canonical());
        }
    }
}
