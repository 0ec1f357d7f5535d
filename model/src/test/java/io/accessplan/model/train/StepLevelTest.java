package io.accessplan.model.train;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.model.Choice;
import io.accessplan.model.FlatForest;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.TargetTransform;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workload-level step-time regressor ({@link StrategyModel#LEVEL}): what a file with it holds
 * and serves, against Tribuo's own predictions, and that it chooses as the absolute form does when
 * both share the rank and peak regressors.
 */
class StepLevelTest {
    private static StrategyModel absolute;
    private static StrategyModel level;

    /** Two models of the same rows and settings, one in each level form (no cross-validation: fast). */
    private static synchronized void train() {
        if (absolute == null) {
            List<Observation> rows = TestModels.rows();
            TrainOptions o = TrainOptions.defaults().withTrees(40, 5).withFolds(0);
            absolute = ModelTrainer.train(rows, o.withStepLevel(StepLevel.ABSOLUTE)).model();
            level = ModelTrainer.train(rows, o.withStepLevel(StepLevel.REGRESSOR)).model();
        }
    }

    private static double tribuo(org.tribuo.Model<org.tribuo.regression.Regressor> m, double[] x) {
        return Regressors.predict(m, new FeatureEncoder().names(), List.of(x))[0];
    }

    @Test
    void aLevelFileHoldsTheLevelRegressorAndNoAbsoluteOneAndSurvivesTheRoundTrip() {
        train();
        assertNull(level.timeModel());
        assertNotNull(level.levelModel());
        assertNotNull(level.rankModel());
        assertNull(absolute.levelModel());
        assertEquals(StepLevel.REGRESSOR, ModelTrainer.form(level));
        StrategyModel back = StrategyModel.fromBytes(level.toBytes(), "memory");
        assertNull(back.timeModel());
        assertEquals(level.levelModel().getProvenance(), back.levelModel().getProvenance());
        assertTrue(back.levelModel().getProvenance().toString().contains("XGBoostRegressionTrainer"));
        for (Workload w : SyntheticRows.workloads(20, 31)) {
            assertEquals(level.predict(w), back.predict(w));
            assertEquals(level.score(w).level(), back.score(w).level(), 0.0);
        }
        // the level regressor learned one row per workload: 100 workloads (those with a fitting row)
        assertTrue(level.levelModel().getProvenance().toString().contains("step_time_level"));
    }

    @Test
    void theServedLevelIsTribuosPredictionOfTheKeepRowAndStepTimesFollowTheFormula() {
        train();
        FeatureEncoder enc = new FeatureEncoder();
        assertEquals(TargetTransform.LOG_RATIO, level.metadata().timeTransform());
        int checked = 0;
        for (Workload w : SyntheticRows.workloads(60, 77)) {
            double lv = tribuo(level.levelModel(), enc.encode(Analysis.of(w, Strategy.parse("keep"))));
            // a flat forest sums its leaves in double, XGBoost in float: as CompiledEnsembleTest, relative 1e-5
            assertEquals(1.0, Math.exp(level.score(w).level() - lv), 1e-5, w.toString());
            List<Strategy> cands = level.candidates(w);
            List<Prediction> served = level.predict(w);
            for (int i = 0; i < cands.size(); i++) {
                Analysis a = Analysis.of(w, cands.get(i));
                double r = tribuo(level.rankModel(), enc.encode(a));
                double expected = Math.exp(r + lv) * a.step().estimateMs();
                assertEquals(expected, served.get(i).stepTimeMs(), 2e-5 * expected, cands.get(i).toString());
                checked++;
            }
            // a strategy's prediction does not depend on the company it is asked in (no keep among them)
            List<Strategy> some = cands.subList(1, cands.size());
            List<Prediction> without = level.predict(w, some);
            for (int i = 0; i < some.size(); i++) {
                assertEquals(served.get(i + 1), without.get(i));
            }
        }
        assertTrue(checked > 600, "checked " + checked);
    }

    @Test
    void keepsRowAmongAllCandidatesIsItsOwnRowWhichTrainingEncodes() {
        FeatureEncoder enc = new FeatureEncoder();
        for (Workload w : SyntheticRows.workloads(300, 5)) {
            List<Strategy> cands = Strategy.candidates(w);
            int k = cands.indexOf(StrategyModel.LEVEL_STRATEGY);
            assertTrue(k >= 0, "keep is a candidate of every workload");
            double[] among = enc.encode(Analysis.all(w, cands).get(k));
            assertEquals(java.util.Arrays.toString(enc.encode(Analysis.of(w, StrategyModel.LEVEL_STRATEGY))),
                    java.util.Arrays.toString(among), w.toString());
        }
    }

    @Test
    void withTheSameRankAndPeakRegressorsBothFormsChooseAlikeOnEveryWorkload() {
        train();
        // the absolute model's rank and peak with the level model's level regressor
        StrategyModel a = absolute;
        StrategyModel b = new StrategyModel(a.metadata(), null, a.peakModel(), a.rankModel(), null, null, null,
                level.levelModel());
        int differentLevels = 0;
        List<Workload> ws = SyntheticRows.workloads(1500, 2024);
        for (Workload w : ws) {
            List<Prediction> pa = a.predict(w);
            List<Prediction> pb = b.predict(w);
            for (int i = 0; i < pa.size(); i++) {
                assertEquals(pa.get(i).peakBytes(), pb.get(i).peakBytes(), 0.0);
                assertEquals(pa.get(i).fits(), pb.get(i).fits());
                // the levels differ, the ratios between strategies do not
                assertEquals(pa.get(i).stepTimeMs() / pa.get(0).stepTimeMs(),
                        pb.get(i).stepTimeMs() / pb.get(0).stepTimeMs(), 1e-12);
            }
            Choice.Decision da = Choice.decide(pa, Choice.DEFAULT_TIE_TOLERANCE);
            Choice.Decision db = Choice.decide(pb, Choice.DEFAULT_TIE_TOLERANCE);
            assertEquals(da.chosen(), db.chosen(), w.toString());
            assertEquals(da.fits(), db.fits());
            if (Math.abs(a.score(w).level() - b.score(w).level()) > 1e-6) {
                differentLevels++;
            }
        }
        // not a vacuous comparison: the two forms place (almost) every workload at another level
        assertTrue(differentLevels > ws.size() * 9 / 10, differentLevels + " of " + ws.size());
    }

    @Test
    void aModelHasTheAbsoluteRegressorOrTheLevelOneWithTheRankOne() {
        train();
        StrategyModel a = absolute;
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> new StrategyModel(
                a.metadata(), a.timeModel(), a.peakModel(), a.rankModel(), null, null, null, level.levelModel()));
        assertTrue(both.getMessage().contains("either step_time or step_time_level"), both.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StrategyModel(a.metadata(), null, a.peakModel(),
                null, null, null, null, level.levelModel()));
        assertThrows(IllegalArgumentException.class, () -> new StrategyModel(a.metadata(), null, a.peakModel(),
                a.rankModel(), null, null, null, null));
    }

    @Test
    void crossValidationComparesBothFormsOnTheSameFoldsAndKeepsTheLowerMape() {
        List<Observation> rows = TestModels.rows().subList(0, 1500);
        TrainResult r = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(20, 4).withFolds(3));
        Map<String, Object> cv = r.model().metadata().crossValidation();
        double abs = ((Number) cv.get(ModelTrainer.LEVEL_MAPE + "absolute")).doubleValue();
        double lvl = ((Number) cv.get(ModelTrainer.LEVEL_MAPE + "level")).doubleValue();
        assertTrue(abs > 0 && lvl > 0 && abs < 1 && lvl < 1, abs + " " + lvl);
        assertEquals(lvl < abs ? StepLevel.REGRESSOR : StepLevel.ABSOLUTE, ModelTrainer.form(r.model()));
        // the kept form's MAPE is the one the cross-validation report shows
        assertEquals(Math.min(abs, lvl), r.crossValidation().model().stepTimeMape(), 1e-12);
    }

    @Test
    void whereSomeRowsAreMeasuredTheFormsAreComparedOnThoseRowsAlone() {
        // 9 simulated workloads' rows and 1 workload's rows relabelled as measured by the cuda engine
        List<Observation> sim = SyntheticRows.rows(SyntheticRows.workloads(10, 5));
        String last = sim.get(sim.size() - 1).workload().id();
        List<Observation> rows = new java.util.ArrayList<>();
        for (Observation o : sim) {
            io.accessplan.features.Measurement m = o.measurement();
            rows.add(!o.workload().id().equals(last) ? o : new Observation(o.workload(), o.strategy(),
                    new io.accessplan.features.Measurement("cuda", m.repeats(), m.stepTimeMs(), m.stepTimeMsStdev(),
                            m.peakMemoryBytes(), m.oom(), m.pcieBytes(), m.hbmBytes(), m.flops(), m.recomputeFlops(),
                            "test")));
        }
        EncodedRows d = EncodedRows.of(rows);
        int n = d.size();
        // absolute: exact on the simulated rows, 20% over on the measured ones; level: 5% over everywhere
        double[] abs = new double[n];
        double[] lvl = new double[n];
        int measured = 0;
        int timed = 0;
        for (int i = 0; i < n; i++) {
            boolean m = MeasuredValidation.measured(d.rows.get(i));
            abs[i] = d.stepTime(i) * (m ? 1.2 : 1.0);
            lvl[i] = d.stepTime(i) * 1.05;
            if (d.rows.get(i).fits()) {
                timed++;
                measured += m ? 1 : 0;
            }
        }
        assertTrue(measured > 0 && 0.2 * measured < 0.05 * timed, "the pooled MAPE must favour absolute here");
        Map<StepLevel, double[]> byForm = new java.util.EnumMap<>(StepLevel.class);
        byForm.put(StepLevel.ABSOLUTE, abs);
        byForm.put(StepLevel.REGRESSOR, lvl);
        Map<String, Double> mapes = new java.util.LinkedHashMap<>();
        assertEquals(StepLevel.REGRESSOR, ModelTrainer.bestForm(d, byForm, mapes));
        assertEquals(0.2 * measured / timed, mapes.get(ModelTrainer.LEVEL_MAPE + "absolute"), 1e-12);
        assertEquals(0.05, mapes.get(ModelTrainer.LEVEL_MAPE + "level"), 1e-12);
        assertEquals(0.2, mapes.get(ModelTrainer.LEVEL_MAPE_MEASURED + "absolute"), 1e-12);
        assertEquals(0.05, mapes.get(ModelTrainer.LEVEL_MAPE_MEASURED + "level"), 1e-12);
        // the same predictions over simulated rows only: the pooled MAPE decides, absolute is kept
        EncodedRows simOnly = EncodedRows.of(sim);
        Map<String, Double> simMapes = new java.util.LinkedHashMap<>();
        assertEquals(StepLevel.ABSOLUTE, ModelTrainer.bestForm(simOnly, byForm, simMapes));
        assertFalse(simMapes.containsKey(ModelTrainer.LEVEL_MAPE_MEASURED + "absolute"));
    }

    @Test
    void bothFormsOfTheCrossValidationRankAlike() {
        EncodedRows d = EncodedRows.of(TestModels.rows().subList(0, 1500));
        TrainOptions o = TrainOptions.defaults().withTrees(20, 4);
        List<CrossValidation.Fold> folds = CrossValidation.grouped(d.rows, 3, o.seed());
        Map<StepLevel, double[]> t = CrossValidation.stepTimesOutOfFold(d, folds, o, TargetTransform.LOG_RATIO,
                java.util.EnumSet.allOf(StepLevel.class));
        double[] a = t.get(StepLevel.ABSOLUTE);
        double[] l = t.get(StepLevel.REGRESSOR);
        int differ = 0;
        for (int[] g : io.accessplan.model.evaluate.Evaluator.groups(d.rows)) {
            for (int i : g) {
                assertFalse(Double.isNaN(a[i]) || Double.isNaN(l[i]));
                assertEquals(a[i] / a[g[0]], l[i] / l[g[0]], 1e-12);
            }
            differ += Math.abs(a[g[0]] / l[g[0]] - 1) > 1e-9 ? 1 : 0;
        }
        assertTrue(differ > 0);
        // a form fixed by the options is the very same figure
        double[] fixed = CrossValidation.stepTimeOutOfFold(d, folds, o.withStepLevel(StepLevel.REGRESSOR),
                TargetTransform.LOG_RATIO);
        assertEquals(java.util.Arrays.toString(l), java.util.Arrays.toString(fixed));
    }
}
