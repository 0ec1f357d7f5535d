package io.accessplan.model.train;

import io.accessplan.features.Workload;
import io.accessplan.model.CompiledEnsemble;
import io.accessplan.model.FlatForest;
import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.TargetTransform;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerSelectionTest {

    @Test
    void cartAndSgdTrainSaveAndReloadAndRecordTheirSettings() {
        List<Observation> rows = TestModels.rows().subList(0, 800);
        for (String t : new String[]{"cart", "sgd"}) {
            TrainOptions o = TrainOptions.defaults().withTrainer(t).withFolds(0)
                    .withTransforms(TargetTransform.LOG_RATIO, TargetTransform.LOG_RATIO);
            StrategyModel m = ModelTrainer.train(rows, o).model();
            assertFalse(m.ensemble().flat(), t + " is served through Tribuo");
            assertEquals(t, m.metadata().hyperparameters().get("trainer"));
            assertEquals(ModelTrainer.DEFAULT_MARGIN, m.safetyMargin());
            StrategyModel back = StrategyModel.fromBytes(m.toBytes(), t);
            Observation o0 = rows.get(0);
            assertEquals(m.predict(o0.workload()), back.predict(o0.workload()));
            assertTrue(back.predict(o0.workload()).get(0).stepTimeMs() > 0);
        }
    }

    @Test
    void withTargetsLeftOpenCrossValidationMeasuresBothFormsAndKeepsTheBetter() {
        List<Observation> rows = TestModels.rows().subList(0, 1200);
        TrainResult r = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(20, 4).withFolds(2)
                .withTransforms(null, null));
        assertEquals(4, r.transformMape().size());
        double ratio = r.transformMape().get("peak_memory/log_ratio");
        double log = r.transformMape().get("peak_memory/log");
        assertEquals(ratio <= log ? TargetTransform.LOG_RATIO : TargetTransform.LOG, r.model().metadata().peakTransform());
    }

    @Test
    void theWithinWorkloadRegressorGetsItsOwnTreeCountAndItIsRecorded() {
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withRankTrees(30);
        StrategyModel m = ModelTrainer.train(rows, o).model();
        assertEquals(12, ((FlatForest) m.ensemble().time()).trees());
        assertEquals(12, ((FlatForest) m.ensemble().peak()).trees());
        assertEquals(30, ((FlatForest) m.compiledRank()).trees());
        assertEquals(30, m.metadata().hyperparameters().get("rank_trees"));
        // 0 means "as many as the others"
        assertEquals(12, TrainOptions.defaults().withTrees(12, 3).effectiveRankTrees());
        assertEquals(0.95, TrainOptions.defaults().withMarginQuantile(0.95).marginQuantile());
    }

    @Test
    void thePeakRegressorGetsItsOwnTreeCountRecordedAndBounded() {
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withPeakTrees(7);
        StrategyModel m = ModelTrainer.train(rows, o).model();
        assertEquals(7, ((FlatForest) m.ensemble().peak()).trees());
        assertEquals(12, ((FlatForest) m.ensemble().time()).trees());
        assertEquals(12, ((FlatForest) m.compiledRank()).trees());
        assertEquals(7, m.metadata().hyperparameters().get("peak_trees"));
        assertEquals(7, TrainOptions.recorded(m.metadata().hyperparameters()).xgboost().peakTrees());
        // without it, nothing new is recorded and it reads back as 0: "as many as the others"
        assertFalse(TrainOptions.defaults().hyperparameters().containsKey("peak_trees"));
        assertEquals(300, TrainOptions.defaults().trainerOptions() instanceof XGBoostOptions x
                ? x.effectivePeakTrees() : -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainOptions.defaults().withPeakTrees(5001));
        assertEquals("Invalid number of peak trees: 5001 (expected 0 to 5000)", e.getMessage());
    }

    @Test
    void theLevelRegressorGetsItsOwnTreeCountAndShrinkageRecordedAndBounded() {
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withStepLevel(StepLevel.REGRESSOR);
        StrategyModel m = ModelTrainer.train(rows, o.withLevel(9, 0.4)).model();
        assertEquals(9, ((FlatForest) CompiledEnsemble.compile(m.levelModel(), m.metadata().featureNames())).trees());
        assertEquals(12, ((FlatForest) m.compiledRank()).trees());
        // recorded in the file, and read back from it
        StrategyModel back = StrategyModel.fromBytes(m.toBytes(), "memory");
        Map<String, Object> hyper = back.metadata().hyperparameters();
        assertEquals(9, ((Number) hyper.get("level_trees")).intValue());
        assertEquals(0.4, ((Number) hyper.get("level_eta")).doubleValue(), 0.0);
        XGBoostOptions read = TrainOptions.recorded(hyper).xgboost();
        assertEquals(9, read.levelTrees());
        assertEquals(0.4, read.levelEta(), 0.0);
        // the file records the within-workload count as the count it trained with (12)
        assertEquals(o.xgboost().withRankTrees(12).withLevel(9, 0.4), read);
        // a file without them (written before they were options) reads back with the settings it was trained with
        Map<String, Object> older = new HashMap<>(hyper);
        older.remove("level_trees");
        older.remove("level_eta");
        XGBoostOptions old = TrainOptions.recorded(older).xgboost();
        assertEquals(XGBoostOptions.LEVEL_TREES, old.levelTrees());
        assertEquals(XGBoostOptions.LEVEL_ETA, old.levelEta(), 0.0);
        assertEquals(o.xgboost().withRankTrees(12), old);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainOptions.defaults().withLevel(0, 0.1));
        assertEquals("Invalid number of level trees: 0 (expected 1 to 5000)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults().withLevel(10, 1.5));
        assertEquals("Invalid level eta: 1.5 (expected more than 0, at most 1)", e.getMessage());
    }

    @Test
    void theLevelShrinkageScalesTheFirstTreesLeaves() {
        // one round: level = base score + eta * leaf(x), the leaf fitted to the same gradients whatever eta
        // (Chen and Guestrin 2016, eq. 5 and section 2.3), so the levels' differences go as the etas'
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withStepLevel(StepLevel.REGRESSOR);
        StrategyModel[] m = new StrategyModel[3];
        double[] eta = {0.1, 0.2, 0.5};
        for (int i = 0; i < 3; i++) {
            m[i] = ModelTrainer.train(rows, o.withLevel(1, eta[i])).model();
        }
        int checked = 0;
        for (Workload w : SyntheticRows.workloads(20, 5)) {
            double l0 = m[0].score(w).level();
            double l1 = m[1].score(w).level();
            double l2 = m[2].score(w).level();
            if (l1 != l0) {
                // XGBoost keeps leaves in float: relative 1e-4
                assertEquals((0.5 - 0.2) / (0.2 - 0.1), (l2 - l1) / (l1 - l0), 1e-4 * 3, w.toString());
                checked++;
            }
        }
        assertTrue(checked >= 15, "checked " + checked);
    }

    @Test
    void thePeakRegressorGetsItsOwnShrinkageAndDepthRecordedAndBounded() {
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withPeakTrees(5);
        StrategyModel m = ModelTrainer.train(rows, o.withPeak(0.4, 2)).model();
        FlatForest peak = (FlatForest) m.ensemble().peak();
        assertEquals(5, peak.trees());
        assertEquals(2, peak.maxDepth());
        // the others keep the options' depth
        assertEquals(3, ((FlatForest) m.compiledRank()).maxDepth());
        StrategyModel back = StrategyModel.fromBytes(m.toBytes(), "memory");
        Map<String, Object> hyper = back.metadata().hyperparameters();
        assertEquals(0.4, ((Number) hyper.get("peak_eta")).doubleValue(), 0.0);
        assertEquals(2, ((Number) hyper.get("peak_max_depth")).intValue());
        XGBoostOptions read = TrainOptions.recorded(hyper).xgboost();
        assertEquals(0.4, read.effectivePeakEta(), 0.0);
        assertEquals(2, read.effectivePeakDepth());
        assertEquals(o.xgboost().withRankTrees(12).withPeak(0.4, 2), read);
        // a file without them (written before they were options) trains its peak regressor as the others
        Map<String, Object> older = new HashMap<>(hyper);
        older.remove("peak_eta");
        older.remove("peak_max_depth");
        XGBoostOptions old = TrainOptions.recorded(older).xgboost();
        assertEquals(old.eta(), old.effectivePeakEta(), 0.0);
        assertEquals(3, old.effectivePeakDepth());
        assertFalse(ModelTrainer.train(rows, o).model().metadata().hyperparameters().containsKey("peak_eta"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainOptions.defaults().withPeak(1.5, 0));
        assertEquals("Invalid peak eta: 1.5 (expected more than 0, at most 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults().withPeak(0, 17));
        assertEquals("Invalid peak max depth: 17 (expected 0 to 16)", e.getMessage());
    }

    @Test
    void theWithinWorkloadRegressorGetsItsOwnShrinkageAndDepthRecorded() {
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withRankTrees(4);
        StrategyModel m = ModelTrainer.train(rows, o.withRank(0.35, 5)).model();
        FlatForest rank = (FlatForest) m.compiledRank();
        assertEquals(4, rank.trees());
        assertEquals(5, rank.maxDepth());
        assertEquals(3, ((FlatForest) m.ensemble().peak()).maxDepth());
        Map<String, Object> hyper = StrategyModel.fromBytes(m.toBytes(), "memory").metadata().hyperparameters();
        assertEquals(0.35, ((Number) hyper.get("rank_eta")).doubleValue(), 0.0);
        assertEquals(5, ((Number) hyper.get("rank_max_depth")).intValue());
        assertEquals(o.xgboost().withRank(0.35, 5), TrainOptions.recorded(hyper).xgboost());
        assertEquals("Invalid rank eta: 2.0 (expected more than 0, at most 1)", assertThrows(
                IllegalArgumentException.class, () -> TrainOptions.defaults().withRank(2, 0)).getMessage());
        assertEquals("Invalid rank max depth: -1 (expected 0 to 16)", assertThrows(
                IllegalArgumentException.class, () -> TrainOptions.defaults().withRank(0, -1)).getMessage());
    }

    @Test
    void thePeakShrinkageScalesTheFirstTreesLeaves() {
        // one round: peak = base score + eta * leaf(x), the leaf fitted to the same gradients whatever
        // eta (Chen and Guestrin 2016, eq. 5 and section 2.3): the difference of two rows' raw outputs
        // goes as the etas'
        List<Observation> rows = TestModels.rows().subList(0, 600);
        TrainOptions o = TrainOptions.defaults().withTrees(12, 3).withFolds(0).withPeakTrees(1);
        FlatForest a = (FlatForest) ModelTrainer.train(rows, o.withPeak(0.1, 0)).model().ensemble().peak();
        FlatForest b = (FlatForest) ModelTrainer.train(rows, o.withPeak(0.5, 0)).model().ensemble().peak();
        int checked = 0;
        List<double[]> xs = new java.util.ArrayList<>();
        for (Observation ob : rows.subList(0, 51)) {
            xs.add(new io.accessplan.features.encode.FeatureEncoder().encode(ob.workload(), ob.strategy()));
        }
        for (int k = 0; k < 50; k++) {
            double da = a.predict(xs.get(k)) - a.predict(xs.get(k + 1));
            double db = b.predict(xs.get(k)) - b.predict(xs.get(k + 1));
            if (Math.abs(da) > 1e-6) {
                assertEquals(5.0, db / da, 1e-3, "row " + k);
                checked++;
            }
        }
        assertTrue(checked > 10, "checked " + checked);
    }

    @Test
    void badOptionsAreRejectedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainOptions.defaults().withTrees(0, 6));
        assertEquals("Invalid number of trees: 0 (expected 1 to 5000)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults().withTrainer("forest"));
        assertEquals("Invalid number of rank trees: -1 (expected 0 to 5000)",
                assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults().withRankTrees(-1)).getMessage());
        assertEquals("Invalid margin quantile: 0.4 (expected 0.5 to 1)",
                assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults().withMarginQuantile(0.4)).getMessage());
    }

    @Test
    void theFingerprintIgnoresRowOrder() {
        List<Observation> rows = TestModels.rows().subList(0, 50);
        List<Observation> reversed = new java.util.ArrayList<>(rows);
        java.util.Collections.reverse(reversed);
        assertEquals(ModelTrainer.fingerprint(rows), ModelTrainer.fingerprint(reversed));
        assertFalse(ModelTrainer.fingerprint(rows).equals(ModelTrainer.fingerprint(rows.subList(0, 49))));
    }
}
