package io.accessplan.cli;

import io.accessplan.collector.sim.CalibrationProfile;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** calibrate, the twin's sweep and crosscheck, and training on several datasets, from the command line. */
class CalibrateAndTrainTest {
    private static final Path H200 = Path.of("..", "datasets", "data", "cuda-h200");
    private static final Path H100 = Path.of("..", "datasets", "data", "cuda-h100");

    private static void refused(Cli.Run r, String message) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void calibrateWritesAProfileThatTheTwinsSweepAndCrosscheckTake(@TempDir Path tmp) throws Exception {
        Path profile = tmp.resolve("h100.json");
        Cli.Run r = Cli.run("calibrate", "--data", H100.toString(), "--out", profile.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("held-out rows, calibrated"), r.out());
        CalibrationProfile p = CalibrationProfile.load(profile);
        assertEquals("nvidia-h100-80gb-hbm3", p.card());
        assertFalse(p.heldOut().isEmpty());
        assertTrue(p.heldOut().stream().noneMatch(p.architectures()::contains), "held out means not fitted");
        // the twin is closer to the card than the simulator as written, on the rows it fitted
        assertTrue(p.fitError().get("p90_abs_log") < 0.15, p.fitError().toString());

        Path twin = tmp.resolve("twin");
        r = Cli.run("sweep", "--backend", "sim", "--profile", profile.toString(), "--preset", "small", "--out",
                twin.toString());
        assertEquals(0, r.code(), r.err());
        List<DatasetRow> rows = ParquetDataset.open(twin.toString()).readAll();
        assertFalse(rows.isEmpty());
        assertTrue(rows.stream().allMatch(x -> x.measurement().backend().equals("sim")), "a twin is still sim");
        assertTrue(rows.stream().allMatch(x -> p.covers(x.workload().device())));
        String part = ParquetDataset.open(twin.toString()).parts().get(0);
        assertEquals("nvidia-h100-80gb-hbm3", ParquetDataset.open(twin.toString()).footer(part)
                .get("accessplan.sim_profile_card"));

        r = Cli.run("crosscheck", "--data", H100.toString(), "--profile", profile.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("held out of the fit"), r.out());

        // not an overwrite without --force, and nothing touched
        String before = Files.readString(profile);
        refused(Cli.run("calibrate", "--data", H100.toString(), "--out", profile.toString()), "Output exists");
        assertEquals(before, Files.readString(profile));
    }

    @Test
    void aBadOrForeignProfileIsRefusedInOneLine(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"accessplan-sim-profile\", \"version\": 7}");
        refused(Cli.run("crosscheck", "--data", H200.toString(), "--profile", bad.toString()),
                "Bad profile " + bad + ": unsupported version 7");
        refused(Cli.run("sweep", "--backend", "sim", "--profile", bad.toString(), "--out", tmp.resolve("s").toString()),
                "unsupported version 7");
        assertFalse(Files.exists(tmp.resolve("s")));
        refused(Cli.run("crosscheck", "--data", H200.toString(), "--profile", tmp.resolve("none.json").toString()),
                "No profile file");

        Path h100 = Path.of("..", "datasets", "data", "cuda-h100", "sim-profile.json");
        refused(Cli.run("crosscheck", "--data", H200.toString(), "--profile", h100.toString()),
                "is for card nvidia-h100-80gb-hbm3, not for device nvidia-h200");
        refused(Cli.run("sweep", "--backend", "sim", "--profile", h100.toString(), "--devices", "t4-16gb", "--out",
                tmp.resolve("t").toString()), "is for card nvidia-h100-80gb-hbm3, not for device t4-16gb");
        assertFalse(Files.exists(tmp.resolve("t")) && Files.list(tmp.resolve("t")).findAny().isPresent());
        refused(Cli.run("calibrate", "--data", H200 + "," + H100, "--out", tmp.resolve("two.json").toString()),
                "calibrate one card at a time");
        // a bad value of a parameter newer than the first profiles is refused like any other
        Path h200 = Path.of("..", "datasets", "data", "cuda-h200", "sim-profile.json");
        Path badValue = tmp.resolve("bad-value.json");
        Files.writeString(badValue, Files.readString(h200).replaceAll(
                "(\"host_fp16_zero_cast_fraction\" : \\{\\s*\"value\" : )[0-9.eE+-]+", "$1-1"));
        refused(Cli.run("crosscheck", "--data", H200.toString(), "--profile", badValue.toString()),
                "Bad profile " + badValue + ": Invalid host_fp16_zero_cast_fraction: -1.0");
        // and a profile written before those parameters and the sources (the shipped H100 one is such
        // a file; whatever it holds, they are stripped here) still serves its card
        String before = Files.readString(h100).replaceAll("(\"fitted\" : (true|false)),\\s*\"source\" : \"[^\"]*\"", "$1");
        for (io.accessplan.collector.sim.SimParameters.Name n : io.accessplan.collector.sim.SimParameters.Name.values()) {
            if (n.optional()) {
                before = before.replaceAll("(?s),\\s*\"" + n.key() + "\" : \\{[^}]*}", "");
            }
        }
        assertFalse(before.contains("host_fp16_zero_cast_fraction") || before.contains("\"source\" : \"fitted\""), before);
        Path oldProfile = tmp.resolve("old-h100.json");
        Files.writeString(oldProfile, before);
        Cli.Run old = Cli.run("crosscheck", "--data", H100.toString(), "--profile", oldProfile.toString());
        assertEquals(0, old.code(), old.err());
        assertTrue(old.out().contains("held out of the fit"), old.out());
        assertFalse(Files.exists(tmp.resolve("two.json")));
    }

    @Test
    void crosscheckAppliesAProfileToAnotherCardOfItsEngineAndRefusesAnotherEngine(@TempDir Path tmp) throws Exception {
        Path h200 = H200.resolve("sim-profile.json");
        Cli.Run r = Cli.run("crosscheck", "--data", H100.toString(), "--profile", h200.toString(), "--transfer");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("profile of nvidia-h200 (" + h200 + ") applied to nvidia-h100-80gb-hbm3"), r.out());
        // every H100 row is held out of a fit that saw none of the H100's rows
        assertTrue(r.out().matches("(?s).*fitted\\s+0\\s.*held out of the fit\\s+202\\s.*"), r.out());

        Path other = tmp.resolve("other-engine.json");
        Files.writeString(other, Files.readString(h200).replace("measured:cuda", "xla-h100"));
        refused(Cli.run("crosscheck", "--data", H100.toString(), "--profile", other.toString(), "--transfer"),
                "Profile " + other + ": Profile of card nvidia-h200 (engine 'xla-h100', bf16 true) cannot be applied to"
                        + " device nvidia-h100-80gb-hbm3-cap4gib (engine 'measured:cuda', bf16 true)");
        refused(Cli.run("crosscheck", "--data", H100.toString(), "--transfer"), "--transfer needs --profile");
    }

    @Test
    void trainingOnSeveralDatasetsEqualsTrainingOnTheirUnion(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, Cli.run("sweep", "--preset", "small", "--devices", "t4-16gb", "--out", a.toString(),
                "--repeats", "1").code());
        assertEquals(0, Cli.run("sweep", "--preset", "small", "--devices", "l4-24gb", "--out", b.toString(),
                "--repeats", "1").code());
        // the union as one dataset: every set of parts in one folder, in the order given (the measured H100's last)
        Path union = tmp.resolve("union");
        Files.createDirectories(union);
        for (Path dir : List.of(a, b, H100)) {
            try (Stream<Path> parts = Files.list(dir)) {
                for (Path p : parts.filter(x -> x.toString().endsWith(".parquet")).sorted().toList()) {
                    Files.copy(p, union.resolve(dir.getFileName() + "-" + p.getFileName()));
                }
            }
        }
        Path m1 = tmp.resolve("several.apm");
        Path m2 = tmp.resolve("union.apm");
        // without the H100's twin: the union folder does not ship its profile (the twin's rows are tested apart)
        String[] flags = {"--trees", "20", "--folds", "0", "--threads", "1", "--no-twin"};
        Cli.Run r1 = Cli.run(Stream.concat(Stream.of("train", "--data", a + "," + b + "," + H100, "--out", m1.toString()),
                Stream.of(flags)).toArray(String[]::new));
        Cli.Run r2 = Cli.run(Stream.concat(Stream.of("train", "--data", union.toString(), "--out", m2.toString()),
                Stream.of(flags)).toArray(String[]::new));
        assertEquals(0, r1.code(), r1.err());
        assertEquals(0, r2.code(), r2.err());
        StrategyModel s1 = StrategyModel.load(m1);
        StrategyModel s2 = StrategyModel.load(m2);
        assertEquals(s1.metadata().fingerprint(), s2.metadata().fingerprint());
        assertEquals(s1.metadata().rows(), s2.metadata().rows());
        List<Observation> rows = TrainCommand.read(List.of(union.toString()), false);
        assertEquals(s1.metadata().rows(), rows.size());
        for (Observation o : rows.subList(0, Math.min(200, rows.size()))) {
            List<Prediction> p1 = s1.predict(o.workload());
            List<Prediction> p2 = s2.predict(o.workload());
            assertEquals(p1.size(), p2.size());
            for (int i = 0; i < p1.size(); i++) {
                assertEquals(p1.get(i).stepTimeMs(), p2.get(i).stepTimeMs(), 0.0);
                assertEquals(p1.get(i).peakBytes(), p2.get(i).peakBytes(), 0.0);
            }
        }
        // with measured rows and cross-validation, the measured-row figures travel in the model file
        Path m3 = tmp.resolve("measured.apm");
        Cli.Run r3 = Cli.run("train", "--data", a + "," + H100, "--out", m3.toString(), "--trees", "5", "--folds",
                "2", "--measured-folds", "2", "--threads", "1", "--no-twin");
        assertEquals(0, r3.code(), r3.err());
        assertTrue(r3.out().contains("measured rows (nvidia-h100-80gb-hbm3)"), r3.out());
        Cli.Run e = Cli.run("evaluate", "--model", m3.toString(), "--data", H100.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("\"training_figures\""), e.out());
        assertTrue(e.out().contains("measured-cv/all/top1_accuracy"), e.out());
        assertTrue(e.out().contains("\"top1_within_noise\""), e.out());
        assertTrue(e.out().contains("\"baselines\""), e.out());
        refused(Cli.run("train", "--data", a + "," + tmp.resolve("missing"), "--out", tmp.resolve("x.apm").toString()),
                "No dataset at");
        refused(Cli.run("train", "--data", a.toString(), "--measured-weight", "0", "--out",
                tmp.resolve("y.apm").toString()), "Invalid measured weight: 0");
        assertFalse(Files.exists(tmp.resolve("x.apm")));
        assertFalse(Files.exists(tmp.resolve("y.apm")));
    }
}
