package io.accessplan.cli;

import io.accessplan.model.CompiledEnsemble;
import io.accessplan.model.FlatForest;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.train.CartOptions;
import io.accessplan.model.train.SgdOptions;
import io.accessplan.model.train.StepLevel;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.XGBoostOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train}'s trainer flags: each trainer's own settings, their bounds, one-line refusals with exit code 2. */
class TrainFlagsTest {

    private static TrainOptions options(String... args) {
        TrainCommand c = new TrainCommand();
        String[] all = new String[args.length + 4];
        System.arraycopy(new String[]{"--data", "d", "--out", "m.apm"}, 0, all, 0, 4);
        System.arraycopy(args, 0, all, 4, args.length);
        new CommandLine(c).parseArgs(all);
        return c.flags.options();
    }

    @Test
    void theFlagsSetTheirTrainersSettingsAndKeepTheirMeaning() {
        TrainOptions x = options("--trees", "150", "--eta", "0.2", "--threads", "2", "--rank-trees", "40",
                "--max-depth", "8", "--subsample", "0.5", "--lambda", "3", "--folds", "3", "--train-seed", "9");
        assertEquals(new XGBoostOptions(150, 40, 8, 0.2, 0.5, 0.8, 1.0, 3.0, 2), x.trainerOptions());
        assertEquals(3, x.folds());
        assertEquals(9L, x.seed());
        assertEquals(new CartOptions(20, 5.0), options("--trainer", "cart", "--max-depth", "20").trainerOptions());
        assertEquals(new SgdOptions(50, 0.3), options("--trainer", "sgd", "--epochs", "50", "--eta", "0.3").trainerOptions());
        // without flags: each trainer's defaults (xgboost on every core)
        XGBoostOptions d = (XGBoostOptions) options().trainerOptions();
        assertEquals(XGBoostOptions.DEFAULTS, new XGBoostOptions(d.trees(), d.rankTrees(), d.maxDepth(),
                d.eta(), d.subsample(), d.colsample(), d.minChildWeight(), d.lambda(), 2));
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors()), d.threads());
    }

    @Test
    void aBadValueOrAFlagTheTrainerDoesNotReadExitsTwoInOneLineAndWritesNothing(@TempDir Path dir) {
        String[][] bad = {
                {"--trees", "0"}, {"--trees", "5001"}, {"--max-depth", "17"}, {"--eta", "0"}, {"--eta", "1.5"},
                {"--subsample", "0"}, {"--threads", "0"}, {"--folds", "101"}, {"--margin-quantile", "0.3"},
                {"--trainer", "cart", "--max-depth", "33"}, {"--trainer", "sgd", "--epochs", "0"},
                {"--trainer", "cart", "--trees", "50"}, {"--trainer", "sgd", "--max-depth", "4", "--trees", "9"},
                {"--epochs", "5"}, {"--trainer", "forest"}};
        String[] expected = {
                "Invalid number of trees: 0 (expected 1 to 5000)", "Invalid number of trees: 5001 (expected 1 to 5000)",
                "Invalid max depth: 17 (expected 1 to 16)", "Invalid eta: 0.0 (expected more than 0, at most 1)",
                "Invalid eta: 1.5 (expected more than 0, at most 1)",
                "Invalid subsample: 0.0 (expected more than 0, at most 1)",
                "Invalid number of threads: 0 (expected 1 to 1024)", "Invalid number of folds: 101 (expected 0 to 100)",
                "Invalid margin quantile: 0.3 (expected 0.5 to 1)", "Invalid max depth: 33 (expected 1 to 32)",
                "Invalid number of epochs: 0 (expected 1 to 10000)", "--trees does not apply to --trainer cart",
                "--trees, --max-depth do not apply to --trainer sgd", "--epochs does not apply to --trainer xgboost",
                "Unknown trainer: forest"};
        refused(dir, bad, expected);
    }

    @Test
    void thePeakTreesAndTheStepLevelFormAreSetByTheirFlags() {
        XGBoostOptions x = (XGBoostOptions) options("--trees", "150", "--peak-trees", "75").trainerOptions();
        assertEquals(150, x.trees());
        assertEquals(75, x.peakTrees());
        assertEquals(75, x.effectivePeakTrees());
        assertEquals(150, ((XGBoostOptions) options("--trees", "150").trainerOptions()).effectivePeakTrees());
        assertNull(options().stepLevel(), "by default cross-validation keeps the form of lower step MAPE");
        assertNull(options("--step-level", "cv").stepLevel());
        assertEquals(StepLevel.REGRESSOR, options("--step-level", "level").stepLevel());
        assertEquals(StepLevel.ABSOLUTE, options("--step-level", "absolute").stepLevel());
    }

    @Test
    void aBadPeakTreeCountOrStepLevelExitsTwoInOneLineAndWritesNothing(@TempDir Path dir) {
        refused(dir, new String[][]{{"--peak-trees", "0"}, {"--peak-trees", "5001"}, {"--step-level", "mean"},
                {"--trainer", "cart", "--peak-trees", "50"}}, new String[]{
                "Invalid number of peak trees: 0 (expected 1 to 5000)",
                "Invalid number of peak trees: 5001 (expected 1 to 5000)",
                "Invalid --step-level: mean (expected absolute, level or cv)",
                "--peak-trees does not apply to --trainer cart"});
    }

    @Test
    void theLevelRegressorsSettingsAreSetByTheirFlagsAndLandInTheWrittenModel(@TempDir Path dir) throws Exception {
        XGBoostOptions d = (XGBoostOptions) options().trainerOptions();
        assertEquals(XGBoostOptions.LEVEL_TREES, d.levelTrees());
        assertEquals(XGBoostOptions.LEVEL_ETA, d.levelEta(), 0.0);
        XGBoostOptions x = (XGBoostOptions) options("--level-trees", "75", "--level-eta", "0.2").trainerOptions();
        assertEquals(d.withLevel(75, 0.2), x);
        // a small training run: the file records them as the level regressor was trained
        Path out = dir.resolve("level.apm");
        Cli.Run r = Cli.run("train", "--data", Path.of("..", "datasets", "data", "cuda-h100").toString(), "--out",
                out.toString(), "--trees", "5", "--folds", "0", "--threads", "1", "--no-twin", "--step-level", "level",
                "--level-trees", "7", "--level-eta", "0.3");
        assertEquals(0, r.code(), r.err());
        StrategyModel m = StrategyModel.load(out);
        assertEquals(7, ((Number) m.metadata().hyperparameters().get("level_trees")).intValue());
        assertEquals(0.3, ((Number) m.metadata().hyperparameters().get("level_eta")).doubleValue(), 0.0);
        assertEquals(7, ((FlatForest) CompiledEnsemble.compile(m.levelModel(),
                m.metadata().featureNames())).trees());
    }

    @Test
    void aBadLevelTreeCountOrShrinkageExitsTwoInOneLineAndWritesNothing(@TempDir Path dir) {
        refused(dir, new String[][]{{"--level-trees", "0"}, {"--level-trees", "5001"}, {"--level-eta", "0"},
                {"--level-eta", "1.5"}, {"--trainer", "cart", "--level-trees", "50"},
                {"--trainer", "sgd", "--level-eta", "0.1"}}, new String[]{
                "Invalid number of level trees: 0 (expected 1 to 5000)",
                "Invalid number of level trees: 5001 (expected 1 to 5000)",
                "Invalid level eta: 0.0 (expected more than 0, at most 1)",
                "Invalid level eta: 1.5 (expected more than 0, at most 1)",
                "--level-trees does not apply to --trainer cart",
                "--level-eta does not apply to --trainer sgd"});
    }

    @Test
    void thePeakRegressorsShrinkageAndDepthAreSetByTheirFlagsAndLandInTheWrittenModel(@TempDir Path dir)
            throws Exception {
        XGBoostOptions d = (XGBoostOptions) options().trainerOptions();
        assertEquals(d.eta(), d.effectivePeakEta(), 0.0);
        assertEquals(d.maxDepth(), d.effectivePeakDepth());
        XGBoostOptions x = (XGBoostOptions) options("--peak-eta", "0.3", "--peak-depth", "7").trainerOptions();
        assertEquals(d.withPeak(0.3, 7), x);
        Path out = dir.resolve("peak.apm");
        Cli.Run r = Cli.run("train", "--data", Path.of("..", "datasets", "data", "cuda-h100").toString(), "--out",
                out.toString(), "--trees", "5", "--max-depth", "4", "--folds", "0", "--threads", "1", "--no-twin",
                "--peak-trees", "3", "--peak-eta", "0.3", "--peak-depth", "2");
        assertEquals(0, r.code(), r.err());
        StrategyModel m = StrategyModel.load(out);
        assertEquals(0.3, ((Number) m.metadata().hyperparameters().get("peak_eta")).doubleValue(), 0.0);
        assertEquals(2, ((Number) m.metadata().hyperparameters().get("peak_max_depth")).intValue());
        FlatForest peak = (FlatForest) m.ensemble().peak();
        assertEquals(3, peak.trees());
        assertEquals(2, peak.maxDepth());
    }

    @Test
    void aBadPeakOrRankShrinkageOrDepthExitsTwoInOneLineAndWritesNothing(@TempDir Path dir) {
        refused(dir, new String[][]{{"--peak-eta", "0"}, {"--peak-eta", "1.5"}, {"--peak-depth", "0"},
                {"--peak-depth", "17"}, {"--trainer", "cart", "--peak-eta", "0.3"},
                {"--trainer", "sgd", "--peak-depth", "4"}}, new String[]{
                "Invalid peak eta: 0.0 (expected more than 0, at most 1)",
                "Invalid peak eta: 1.5 (expected more than 0, at most 1)",
                "Invalid peak max depth: 0 (expected 1 to 16)",
                "Invalid peak max depth: 17 (expected 1 to 16)",
                "--peak-eta does not apply to --trainer cart",
                "--peak-depth does not apply to --trainer sgd"});
        refused(dir, new String[][]{{"--rank-eta", "0"}, {"--rank-depth", "17"},
                {"--trainer", "cart", "--rank-depth", "4"}}, new String[]{
                "Invalid rank eta: 0.0 (expected more than 0, at most 1)",
                "Invalid rank max depth: 17 (expected 1 to 16)",
                "--rank-depth does not apply to --trainer cart"});
        XGBoostOptions d = (XGBoostOptions) options().trainerOptions();
        assertEquals(d.withRank(0.25, 7),
                options("--rank-eta", "0.25", "--rank-depth", "7").trainerOptions());
    }

    /** Each of {@code bad} (flags after {@code train --data --out}) exits 2 with its one-line message and writes nothing. */
    private static void refused(Path dir, String[][] bad, String[] expected) {
        Path out = dir.resolve("m.apm");
        for (int i = 0; i < bad.length; i++) {
            String[] full = new String[bad[i].length + 5];
            System.arraycopy(new String[]{"train", "--data", dir.resolve("none").toString(), "--out", out.toString()}, 0,
                    full, 0, 5);
            System.arraycopy(bad[i], 0, full, 5, bad[i].length);
            Cli.Run r = Cli.run(full);
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            assertTrue(r.err().startsWith("accessplan: " + expected[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out));
        }
    }
}
