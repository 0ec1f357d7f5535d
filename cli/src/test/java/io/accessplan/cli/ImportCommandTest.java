package io.accessplan.cli;

import io.accessplan.collector.RowLog;
import io.accessplan.collector.RowLogSweep;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A row-log sweep (the GPU machine's light format) imported into a dataset: whole workloads, every field kept. */
class ImportCommandTest {

    private static Path sweep(Path dir, String name, int workloads) {
        Path log = dir.resolve(name);
        RowLogSweep.main(new String[]{"--backend", "sim", "--device", "t4-16gb", "--preset", "small", "--max-params",
                "5e7", "--max-workloads", Integer.toString(workloads), "--repeats", "2", "--out", log.toString()});
        return log;
    }

    @Test
    void aCutLogImportsItsWholeWorkloadsWithEveryFieldAndSkipsTheTornLine(@TempDir Path tmp) throws Exception {
        Path log = sweep(tmp, "rows.jsonl", 4);
        RowLog.Contents full = RowLog.read(log);
        Set<String> ids = new LinkedHashSet<>();
        full.rows().forEach(r -> ids.add(r.workload().id()));
        assertEquals(4, ids.size());
        // cut the log inside the last workload, mid-line, as a killed writer would
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String lastId = new ArrayList<>(ids).get(3);
        long lastRows = full.rows().stream().filter(r -> r.workload().id().equals(lastId)).count();
        List<String> cut = new ArrayList<>(lines.subList(0, lines.size() - (int) lastRows + 1));
        cut.add(lines.get(lines.size() - 1).substring(0, 40));
        Files.write(log, cut, StandardCharsets.UTF_8);
        assertEquals(1, RowLog.read(log).tornLines());

        Path out = tmp.resolve("ds");
        Cli.Run r = Cli.run("import", "--rows", log.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("imported 3 workloads"), r.out());
        assertTrue(r.out().contains("1 partial workloads left out, 0 already imported, 1 torn lines"), r.out());
        List<DatasetRow> stored = ParquetDataset.open(out.toString()).readAll();
        List<DatasetRow> expected = full.rows().stream().filter(x -> !x.workload().id().equals(lastId)).toList();
        assertEquals(expected.size(), stored.size());
        for (int i = 0; i < expected.size(); i++) {
            DatasetRow a = expected.get(i);
            DatasetRow b = stored.get(i);
            assertEquals(a.workload().id(), b.workload().id());
            assertEquals(a.strategy(), b.strategy());
            assertEquals(a.measurement().stepTimeMs(), b.measurement().stepTimeMs(), 0.0);
            assertEquals(a.measurement().peakMemoryBytes(), b.measurement().peakMemoryBytes());
            assertEquals(a.measurement().oom(), b.measurement().oom());
        }
        String footer = ParquetDataset.open(out.toString()).footer("part-00000.parquet").toString();
        assertTrue(footer.contains("accessplan.imported_from=rows.jsonl"), footer);
        assertTrue(footer.contains("noise_sigma"), "the log's backend provenance travels: " + footer);

        // importing the same log twice into one dataset keeps each workload once
        Path twice = tmp.resolve("twice");
        Cli.Run t = Cli.run("import", "--rows", log + "," + log, "--out", twice.toString());
        assertTrue(t.out().contains("imported 3 workloads") && t.out().contains("3 already imported"), t.out());
        assertEquals(expected.size(), ParquetDataset.open(twice.toString()).readAll().size());
    }

    @Test
    void badLogsAreRefusedInOneLineAndNothingIsWritten(@TempDir Path tmp) throws Exception {
        Path notLog = tmp.resolve("jobs.csv");
        Files.writeString(notLog, "family,layers\ngpt,2\n");
        Path out = tmp.resolve("ds");
        refused(Cli.run("import", "--rows", notLog.toString(), "--out", out.toString()), "Not a row log: " + notLog);
        Path log = sweep(tmp, "rows.jsonl", 1);
        List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
        lines.set(2, lines.get(2).replace("\"strategy\":\"", "\"strategy\":\"zap"));
        Path bad = tmp.resolve("bad.jsonl");
        Files.write(bad, lines, StandardCharsets.UTF_8);
        // a good log then a bad one: nothing of either is written
        refused(Cli.run("import", "--rows", log + "," + bad, "--out", out.toString()), "Bad row at line 3 of " + bad
                + ": Unknown strategy: zap");
        assertFalse(Files.exists(out));
        assertEquals(0, Cli.run("import", "--rows", log.toString(), "--out", out.toString()).code());
        refused(Cli.run("import", "--rows", log.toString(), "--out", out.toString()), "Output exists: " + out);
    }

    private static void refused(Cli.Run r, String message) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("accessplan: " + message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
