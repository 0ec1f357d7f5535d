package io.accessplan.model.train;

import io.accessplan.model.StrategyModel;
import io.accessplan.model.TargetTransform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Per-trainer settings: their defaults, their bounds, and the model file's record of them read back. */
class TrainOptionsTest {

    @Test
    void eachTrainersDefaultsAreTheOnesTheFlatOptionsHad() {
        // the values of the flat record's defaults() and of each trainer's defaults(TrainOptions) before the split
        assertEquals(new XGBoostOptions(300, 0, 6, 0.1, 0.8, 0.8, 1.0, 1.0, 2), TrainOptions.defaults().trainerOptions());
        assertEquals(new CartOptions(12, 5.0), TrainOptions.defaults().withTrainer("cart").trainerOptions());
        assertEquals(new SgdOptions(20, 0.1), TrainOptions.defaults().withTrainer(TrainerKind.SGD).trainerOptions());
        TrainOptions d = TrainOptions.defaults();
        assertEquals(42L, d.seed());
        assertEquals(5, d.folds());
        assertEquals(0.95, d.marginQuantile());
        assertEquals(TargetTransform.LOG_RATIO, d.timeTransform());
        assertEquals(300, d.effectiveRankTrees());
        for (TrainerKind k : TrainerKind.values()) {
            assertEquals(k, k.defaults().kind());
        }
    }

    @Test
    void everySettingIsBoundedAndABadValueIsNamedWithItsRange() {
        XGBoostOptions x = XGBoostOptions.DEFAULTS;
        bad("Invalid number of trees: 5001 (expected 1 to 5000)", () -> x.withTrees(5001, 6));
        bad("Invalid max depth: 17 (expected 1 to 16)", () -> x.withTrees(10, 17));
        bad("Invalid max depth: 0 (expected 1 to 16)", () -> x.withTrees(10, 0));
        bad("Invalid eta: 0.0 (expected more than 0, at most 1)",
                () -> new XGBoostOptions(10, 0, 6, 0, 0.8, 0.8, 1, 1, 2));
        bad("Invalid eta: 1.5 (expected more than 0, at most 1)",
                () -> new XGBoostOptions(10, 0, 6, 1.5, 0.8, 0.8, 1, 1, 2));
        bad("Invalid subsample: NaN (expected more than 0, at most 1)",
                () -> new XGBoostOptions(10, 0, 6, 0.1, Double.NaN, 0.8, 1, 1, 2));
        bad("Invalid colsample: 0.0 (expected more than 0, at most 1)",
                () -> new XGBoostOptions(10, 0, 6, 0.1, 0.8, 0, 1, 1, 2));
        bad("Invalid min child weight: -1.0 (expected 0 to 1000000)",
                () -> new XGBoostOptions(10, 0, 6, 0.1, 0.8, 0.8, -1, 1, 2));
        bad("Invalid lambda: Infinity (expected 0 to 1000000)",
                () -> new XGBoostOptions(10, 0, 6, 0.1, 0.8, 0.8, 1, Double.POSITIVE_INFINITY, 2));
        bad("Invalid number of threads: 0 (expected 1 to 1024)",
                () -> new XGBoostOptions(10, 0, 6, 0.1, 0.8, 0.8, 1, 1, 0));
        bad("Invalid max depth: 33 (expected 1 to 32)", () -> new CartOptions(33, 5));
        bad("Invalid number of epochs: 0 (expected 1 to 10000)", () -> new SgdOptions(0, 0.1));
        bad("Invalid learning rate: -0.1 (expected more than 0, at most 1)", () -> new SgdOptions(20, -0.1));
        bad("Invalid number of folds: 101 (expected 0 to 100)", () -> TrainOptions.defaults().withFolds(101));
        bad("Trees and rank trees are XGBoost settings; trainer cart has none",
                () -> TrainOptions.defaults().withTrainer("cart").withTrees(10, 4));
        // the edges are accepted
        assertEquals(5000, x.withTrees(5000, 16).trees());
        assertEquals(1, x.withTrees(1, 1).maxDepth());
        assertEquals(1.0, new XGBoostOptions(1, 5000, 16, 1, 1, 1, 0, 0, 1).eta());
        assertEquals(32, new CartOptions(32, 0).maxDepth());
        assertEquals(0, TrainOptions.defaults().withFolds(0).folds());
    }

    @Test
    void recordedSettingsReadBackAsTheyWereWritten() {
        TrainOptions[] all = {
                TrainOptions.defaults().withTrainerOptions(new XGBoostOptions(77, 120, 9, 0.05, 0.7, 0.6, 3.0, 2.5, 3))
                        .withSeed(7).withFolds(4).withMarginQuantile(0.9),
                TrainOptions.defaults().withTrainerOptions(new CartOptions(20, 2.0)).withSeed(-3),
                TrainOptions.defaults().withTrainerOptions(new SgdOptions(40, 0.3)).withFolds(0)};
        for (TrainOptions o : all) {
            TrainOptions back = TrainOptions.recorded(o.hyperparameters());
            assertEquals(o.trainerOptions(), back.trainerOptions());
            assertEquals(o.hyperparameters(), back.hyperparameters());
        }
        Map<String, Object> m = new LinkedHashMap<>(all[0].hyperparameters());
        m.put("trees", 12.5);
        bad("Invalid recorded trees: 12.5 (expected an integer)", () -> TrainOptions.recorded(m));
        m.put("trees", 0);
        bad("Invalid number of trees: 0 (expected 1 to 5000)", () -> TrainOptions.recorded(m));
        m.put("trainer", "forest");
        assertThrows(IllegalArgumentException.class, () -> TrainOptions.recorded(m));
    }

    @Test
    void theCheckedInModelFilesRecordedOptionsRead() throws IOException {
        for (String name : new String[]{"shipped-v4.apmodel", "shipped-v4r.apmodel"}) {
            StrategyModel m = StrategyModel.fromBytes(resource(name), name);
            TrainOptions o = TrainOptions.recorded(m.metadata().hyperparameters());
            // both were written by ShippedModelWriter: 30 trees of depth 5, 3 folds, margin quantile 0.97 then
            assertEquals(new XGBoostOptions(30, m.metadata().hyperparameters().containsKey("rank_trees") ? 30 : 0, 5, 0.1,
                    0.8, 0.8, 1.0, 1.0, 2), o.trainerOptions(), name);
            assertEquals(3, o.folds());
            assertEquals(42L, o.seed());
            assertEquals(0.97, o.marginQuantile());
            assertEquals(30, o.effectiveRankTrees());
            // what the file recorded is what these options record (numbers compared as numbers: JSON has no int/double)
            Map<String, Object> again = o.hyperparameters();
            m.metadata().hyperparameters().forEach((k, v) -> assertEquals(
                    v instanceof Number n ? n.doubleValue() : v,
                    again.get(k) instanceof Number n ? n.doubleValue() : again.get(k), name + " " + k));
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = StrategyModel.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static void bad(String message, Executable e) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
    }
}
