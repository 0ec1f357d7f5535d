package io.accessplan.datasets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A writer process killed with SIGKILL mid-part leaves nothing a reader picks up. */
class KilledWriterTest {

    @TempDir
    Path tmp;

    /** The child process: writes rows to an uncommitted part, says so, and waits to be killed. */
    public static void main(String[] args) throws InterruptedException {
        ParquetDataset ds = ParquetDataset.open(args[0]);
        ParquetDataset.PartWriter w = ds.newPart("part-00001.parquet", Map.of("backend", "sim"));
        for (int i = 0; i < 50; i++) {
            TestRows.rows().forEach(w::write);
        }
        System.out.println("WRITING");
        System.out.flush();
        Thread.sleep(60_000);
    }

    @Test
    void sigkilledWriterLeavesOnlyAnIgnoredTemporaryFile() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows());

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                KilledWriterTest.class.getName(), tmp.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("WRITING")) {
                // skip logging noise until the child is mid-part
            }
            assertEquals("WRITING", line, "child exited early");
            child.destroyForcibly();   // SIGKILL: no finally, no shutdown hook runs
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }

        List<String> files;
        try (Stream<Path> s = Files.list(tmp)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(2, files.size(), "the committed part and the killed writer's temp: " + files);
        assertTrue(Location.isTemporary(files.get(0)), files.get(0));
        assertEquals(List.of("part-00000.parquet"), ds.parts());
        assertEquals(TestRows.stored(TestRows.rows()), ds.readAll());
        try (DuckDbCheck duck = new DuckDbCheck(tmp)) {
            assertEquals(TestRows.rows().size(), duck.assertWellFormed());
        }
        assertEquals(1, ds.cleanTemporary());
        assertEquals(List.of("part-00000.parquet"), ds.parts());
    }
}
