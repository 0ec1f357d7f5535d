package io.accessplan.cli;

import io.accessplan.collector.sim.CalibrationProfile;
import io.accessplan.collector.sim.SimParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host benchmark times the engine's own update on the values it says it does, and calibrate's
 * options around it: the benchmark's prior, and architectures left out of a fit.
 */
class HostValueBenchmarkTest {
    private static final Path H100 = Path.of("..", "datasets", "data", "cuda-h100");

    @Test
    void theSubnormalCaseMakesSubnormalMomentsAndCostsMoreThanTheNormalOne() {
        HostValueBenchmark.Result r = HostValueBenchmark.run(1 << 16);
        // the moments are what the case says: all subnormal in one, none in the other
        assertTrue(r.subnormalShare() > 0.99, "subnormal share " + r.subnormalShare());
        assertEquals(0, r.normalSubnormalShare());
        assertTrue(r.normalNs() > 0, "normal " + r.normalNs());
        // an x86 (or any) FPU pays for subnormal operands; the engine's loop is the same code in both cases
        assertTrue(r.subnormalNs() > 1.5 * r.normalNs(), r.toString());
        assertEquals((r.subnormalNs() - r.normalNs()) / r.normalNs(), r.ratio(), 1e-12);
        assertTrue(r.prior().description().contains("HostOptimizer.update"), r.prior().description());
        assertEquals(r.ratio(), r.prior().subnormalMomentRatio());
    }

    @Test
    void calibrateLeavesOutTheArchitecturesItIsToldToAndRecordsThem(@TempDir Path tmp) throws Exception {
        Path all = tmp.resolve("all.json");
        assertEquals(0, Cli.run("calibrate", "--data", H100.toString(), "--holdout-every", "0", "--out",
                all.toString()).code());
        CalibrationProfile full = CalibrationProfile.load(all);
        String gone = full.architectures().get(0);
        Path some = tmp.resolve("some.json");
        Cli.Run r = Cli.run("calibrate", "--data", H100.toString(), "--holdout-every", "0", "--exclude-architectures",
                gone, "--out", some.toString());
        assertEquals(0, r.code(), r.err());
        CalibrationProfile p = CalibrationProfile.load(some);
        assertFalse(p.architectures().contains(gone));
        assertFalse(p.heldOut().contains(gone));
        assertEquals(full.architectures().size() - 1, p.architectures().size());
        assertTrue(p.rows() < full.rows(), p.rows() + " of " + full.rows());
        assertTrue(p.data().contains("excluded-architectures:" + gone), p.data().toString());
        // an id with no row is refused in one line, and no file is written
        Path none = tmp.resolve("none.json");
        Cli.Run bad = Cli.run("calibrate", "--data", H100.toString(), "--exclude-architectures", "feedfacecafebeef",
                "--out", none.toString());
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertEquals("accessplan: Invalid --exclude-architectures: feedfacecafebeef (no row of that architecture in "
                + H100 + ")", bad.err().strip());
        assertFalse(Files.exists(none));
    }

    @Test
    void calibrateWithTheHostBenchmarkSaysWhereTheUnfittedValueClassComesFrom(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("h100.json");
        Cli.Run r = Cli.run("calibrate", "--data", H100.toString(), "--host-benchmark", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("host benchmark: HostOptimizer.update"), r.out());
        CalibrationProfile.Parameter p = CalibrationProfile.load(out).table()
                .get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS);
        assertFalse(p.fitted());   // the H100's rows have no plain stack
        assertTrue(p.value() > 0, "a subnormal moment costs something: " + p.value());
        assertTrue(p.source().startsWith(CalibrationProfile.SOURCE_HOST_BENCHMARK + "HostOptimizer.update"), p.source());
    }
}
