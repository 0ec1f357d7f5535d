package io.accessplan.cli;

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

/** {@code train --peak-trees} and {@code --step-level}: their settings, and one-line refusals with exit code 2. */
class TrainLevelFlagsTest {

    private static TrainOptions options(String... args) {
        TrainCommand c = new TrainCommand();
        String[] all = new String[args.length + 4];
        System.arraycopy(new String[]{"--data", "d", "--out", "m.apm"}, 0, all, 0, 4);
        System.arraycopy(args, 0, all, 4, args.length);
        new CommandLine(c).parseArgs(all);
        return c.flags.options();
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
    void aBadValueExitsTwoInOneLineAndWritesNothing(@TempDir Path dir) {
        Path out = dir.resolve("m.apm");
        String[][] bad = {{"--peak-trees", "0"}, {"--peak-trees", "5001"}, {"--step-level", "mean"},
                {"--trainer", "cart", "--peak-trees", "50"}};
        String[] expected = {"Invalid number of peak trees: 0 (expected 1 to 5000)",
                "Invalid number of peak trees: 5001 (expected 1 to 5000)",
                "Invalid --step-level: mean (expected absolute, level or cv)",
                "--peak-trees does not apply to --trainer cart"};
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
