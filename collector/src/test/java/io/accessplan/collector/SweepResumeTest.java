package io.accessplan.collector;

import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sweep killed with SIGKILL at any moment and resumed ends with exactly the rows of an uninterrupted run. */
class SweepResumeTest {

    private static List<Workload> workloads() {
        List<Workload> ws = new ArrayList<>();
        Family[] fs = Family.values();
        String[] devs = {"t4-16gb", "a100-sxm-80gb", "h100-sxm-80gb", "v100-sxm-16gb"};
        for (int i = 0; i < 40; i++) {
            Family f = fs[i % fs.length];
            int hidden = 256 + 128 * (i % 5);
            ModelSpec m = ModelSpec.of(f, 2 + i % 7, hidden, f == Family.MLP ? 1 : hidden / 64);
            ws.add(new Workload(m, new TrainingConfig(128 << (i % 3), 1 << (i % 4), Precision.FP16, OptimizerKind.ADAM,
                    i % 2 == 0 ? AttentionKind.NAIVE : AttentionKind.FUSED), DeviceCatalog.builtin().get(devs[i % 4])));
        }
        return ws;
    }

    private static Path writeCsv(Path dir, List<Workload> ws) throws Exception {
        StringBuilder sb = new StringBuilder(String.join(",", WorkloadColumns.NAMES)).append('\n');
        for (Workload w : ws) {
            sb.append(String.join(",", WorkloadColumns.of(w).values().stream().map(Object::toString).toList())).append('\n');
        }
        Path f = dir.resolve("workloads.csv");
        Files.writeString(f, sb);
        return f;
    }

    private static Process child(Path csv, Path out, boolean resume) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SweepChild.class.getName(), csv.toString(), out.toString(), "7"));
        if (resume) {
            cmd.add("resume");
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Rows without the wall-clock collection time, sorted so two runs compare as multisets. */
    private static List<String> comparable(ParquetDataset d) {
        List<String> out = new ArrayList<>();
        for (DatasetRow r : d.readAll()) {
            out.add(r.workload() + "|" + r.strategy() + "|" + r.measurement());
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    @Test
    void killedAndResumedSweepHasExactlyTheRowsOfAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        List<Workload> ws = workloads();
        Path csv = writeCsv(tmp, ws);
        Path ref = tmp.resolve("reference");
        Sweep sweep = new Sweep(ws, 2, 7, 2, 1, Map.of("accessplan.preset", "test"), null);
        try (Backend b = Backends.open("sim", BackendOptions.defaults())) {
            sweep.run(b, ParquetDataset.open(ref.toString()), false, Progress.silent());
        }
        List<String> expected = comparable(ParquetDataset.open(ref.toString()));
        assertEquals(ws.stream().mapToLong(w -> io.accessplan.features.Strategy.candidates(w).size()).sum(),
                expected.size());

        SplittableRandom rnd = new SplittableRandom(11);
        int killedMidway = 0;
        for (int trial = 0; trial < 3; trial++) {
            Path out = tmp.resolve("killed-" + trial);
            Process p = child(csv, out, false);
            // wait for a random number of committed parts (0 = killed during start-up), then a random delay
            int parts = rnd.nextInt(0, 12);
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && System.nanoTime() < waitUntil && countParts(out) < parts) {
                Thread.sleep(5);
            }
            Thread.sleep(rnd.nextInt(0, 150));
            p.destroyForcibly();   // SIGKILL on Linux
            p.waitFor();
            int committed = countParts(out);
            if (committed > 0 && committed < sweep.chunks()) {
                killedMidway++;
            }
            if (Files.exists(out)) {
                // readers never see a partial part, whatever the kill left behind
                ParquetDataset seen = ParquetDataset.open(out.toString());
                assertEquals(committed, seen.parts().size());
                seen.readAll();
            }
            Process resumed = child(csv, out, true);
            assertTrue(resumed.waitFor(120, TimeUnit.SECONDS), "resume finished");
            assertEquals(0, resumed.exitValue(), "resume exit code");
            assertEquals(expected, comparable(ParquetDataset.open(out.toString())), "trial " + trial);
        }
        assertTrue(killedMidway >= 1, "at least one kill landed mid-sweep");
    }

    @Test
    void anExistingOutputIsRefusedWithoutResumeAndAnotherSweepCannotResumeIt(@TempDir Path tmp) {
        List<Workload> ws = workloads().subList(0, 4);
        Path out = tmp.resolve("out");
        try (Backend b = Backends.open("sim", BackendOptions.defaults())) {
            new Sweep(ws, 1, 1, 2, 1, Map.of(), null).run(b, ParquetDataset.open(out.toString()), false, Progress.silent());
            String msg = assertThrows(IllegalArgumentException.class, () -> new Sweep(ws, 1, 1, 2, 1, Map.of(), null)
                    .run(b, ParquetDataset.open(out.toString()), false, Progress.silent())).getMessage();
            assertTrue(msg.startsWith("Output exists: "), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> new Sweep(ws, 1, 2, 2, 1, Map.of(), null)
                    .run(b, ParquetDataset.open(out.toString()), true, Progress.silent())).getMessage();
            assertTrue(msg.startsWith("Cannot resume "), msg);
        } catch (BackendUnavailableException e) {
            throw new AssertionError(e);
        }
    }

    private static int countParts(Path dir) {
        File[] fs = dir.toFile().listFiles((d, n) -> n.startsWith("part-") && n.endsWith(".parquet"));
        return fs == null ? 0 : fs.length;
    }
}
