package io.accessplan.model.train;

import io.accessplan.model.FlatForest;
import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.TargetTransform;
import org.junit.jupiter.api.Test;

import java.util.List;

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
