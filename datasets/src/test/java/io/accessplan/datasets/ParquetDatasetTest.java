package io.accessplan.datasets;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParquetDatasetTest {

    @TempDir
    Path tmp;

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void rowsRoundTripExactlyIncludingOomAndFailedRuns() {
        ParquetDataset ds = ParquetDataset.open(tmp.resolve("ds").toString());
        assertFalse(ds.exists());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows());

        assertTrue(ds.exists());
        List<DatasetRow> back = ds.readAll();
        assertEquals(TestRows.stored(TestRows.rows()), back);
        DatasetRow oom = back.get(1);
        assertTrue(oom.measurement().oom());
        assertTrue(Double.isNaN(oom.measurement().stepTimeMs()));
        assertEquals(90_000_000_000L, oom.measurement().peakMemoryBytes());
        assertEquals(DatasetRow.DEVICE_SOURCE, oom.workload().device().source());
        assertEquals(TestRows.gpt2OnA100().id(), oom.workload().id());
        assertEquals(123.456 * 0.4321, back.get(0).measurement().energyJ());   // energy_j, schema version 2
        assertTrue(Double.isNaN(oom.measurement().energyJ()), "null where not measured");
    }

    @Test
    void collectedAtIsKeptToTheMillisecond() {
        DatasetRow row = TestRows.rows().get(0);
        assertEquals(TestRows.T0.truncatedTo(ChronoUnit.MILLIS), row.collectedAt());
        assertEquals(123_000_000, row.collectedAt().getNano());
    }

    @Test
    void footerHoldsCallerProvenanceAndSchemaVersion() {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        Map<String, String> provenance = Map.of("backend", "sim", "devices", "a100-sxm-80gb,t4-16gb", "seed", "42",
                "preset", "standard", "tool_version", "0.1.0", "git_commit", "abc123");
        try (ParquetDataset.PartWriter w = ds.newPart("part-00003.parquet", provenance)) {
            w.write(TestRows.rows().get(0));
            w.commit();
        }
        Map<String, String> footer = ds.footer("part-00003.parquet");
        provenance.forEach((k, v) -> assertEquals(v, footer.get(k), k));
        assertEquals(DatasetSchema.VERSION, footer.get(DatasetSchema.SCHEMA_VERSION_KEY));
    }

    @Test
    void footerRejectsAConflictingSchemaVersion() {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        assertThrows(IllegalArgumentException.class,
                () -> ds.newPart("part-0.parquet", Map.of(DatasetSchema.SCHEMA_VERSION_KEY, "0")));
    }

    @Test
    void partsAreListedInNameOrderAndReadInThatOrder() {
        ParquetDataset ds = ParquetDataset.open(tmp.toUri().toString());   // a file: URI works as well as a path
        List<DatasetRow> rows = TestRows.rows();
        TestRows.writePart(ds, "part-00002.parquet", rows.subList(4, 8));
        TestRows.writePart(ds, "part-00001.parquet", rows.subList(0, 4));

        assertEquals(List.of("part-00001.parquet", "part-00002.parquet"), ds.parts());
        assertEquals(TestRows.stored(rows), ds.readAll());
        assertEquals(TestRows.stored(rows.subList(4, 8)), ds.readPart("part-00002.parquet"));
    }

    @Test
    void writersOnSeveralThreadsAddTheirPartsSideBySide() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        List<DatasetRow> rows = TestRows.rows();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                int k = i;
                done.add(pool.submit(() -> TestRows.writePart(ds, "part-0000" + k + ".parquet", List.of(rows.get(k)))));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(TestRows.stored(rows), ds.readAll());
    }

    @Test
    void uncommittedPartIsInvisibleWhileWrittenAndGoneAfterClose() throws IOException {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows().subList(0, 2));
        try (ParquetDataset.PartWriter w = ds.newPart("part-00001.parquet", Map.of())) {
            TestRows.rows().forEach(w::write);
            assertEquals(List.of("part-00000.parquet"), ds.parts());
            assertEquals(2, ds.readAll().size());
        }
        assertEquals(List.of("part-00000.parquet"), files(tmp), "close without commit leaves no file");
    }

    @Test
    void failureWhileWritingLeavesNothingBehind() throws IOException {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        assertThrows(IllegalArgumentException.class, () -> {
            try (ParquetDataset.PartWriter w = ds.newPart("part-00000.parquet", Map.of())) {
                w.write(TestRows.rows().get(0));
                w.write(null);
                w.commit();
            }
        });
        assertEquals(List.of(), files(tmp));
    }

    @Test
    void staleTemporaryFileOfAKilledWriterIsIgnoredAndCleaned() throws IOException {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows());
        // What a SIGKILLed writer leaves: its temp file with a valid header and no footer.
        Path stale = tmp.resolve("_tmp.part-00001.parquet.0b7e.inprogress");
        Files.write(stale, new byte[] {'P', 'A', 'R', '1', 1, 2, 3});
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(0));

        assertEquals(List.of("part-00000.parquet"), ds.parts());
        assertEquals(TestRows.rows().size(), ds.readAll().size());
        assertEquals(0, ds.cleanTemporary(Duration.ofDays(365 * 100)), "a recent-enough temp file is kept");
        assertEquals(1, ds.cleanTemporary(Duration.ofHours(1)));
        assertEquals(List.of("part-00000.parquet"), files(tmp));
    }

    @Test
    void commitNeverReplacesAnExistingPart() {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        List<DatasetRow> rows = TestRows.rows();
        ParquetDataset.PartWriter late = ds.newPart("part-00000.parquet", Map.of());
        late.write(rows.get(7));
        TestRows.writePart(ds, "part-00000.parquet", rows.subList(0, 3));

        IllegalStateException e = assertThrows(IllegalStateException.class, late::commit);
        assertTrue(e.getMessage().contains("part-00000.parquet"), e.getMessage());
        late.close();
        assertEquals(TestRows.stored(rows.subList(0, 3)), ds.readAll());
        assertThrows(IllegalStateException.class, () -> ds.newPart("part-00000.parquet", Map.of()));
    }

    @Test
    void writerRejectsUseAfterCommit() {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        ParquetDataset.PartWriter w = ds.newPart("part-00000.parquet", Map.of());
        w.commit();
        assertThrows(IllegalStateException.class, () -> w.write(TestRows.rows().get(0)));
        assertThrows(IllegalStateException.class, w::commit);
        w.close();
        assertEquals(List.of(), ds.readAll(), "an empty part is a valid part");
        assertEquals(List.of("part-00000.parquet"), ds.parts());
    }

    @Test
    void partNamesMustBePlainParquetFileNames() {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        for (String bad : new String[] {"part-0.csv", "_part-0.parquet", ".part-0.parquet", "a/part-0.parquet", "",
            ".parquet"}) {
            assertThrows(IllegalArgumentException.class, () -> ds.newPart(bad, Map.of()), bad);
        }
    }

    @Test
    void aMissingDatasetOrPartIsNamedInTheError() {
        ParquetDataset ds = ParquetDataset.open(tmp.resolve("nowhere").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ds::parts);
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
        ParquetDataset here = ParquetDataset.open(tmp.toString());
        e = assertThrows(IllegalArgumentException.class, () -> here.readPart("part-9.parquet"));
        assertTrue(e.getMessage().contains("part-9.parquet"), e.getMessage());
    }

    @Test
    void aParquetFileOfAnotherSchemaIsRejectedNamingWhatIsMissing() {
        GenericTable.write(tmp.resolve("part-00000.parquet").toString(), List.of("family"),
                List.of(Map.of("family", "gpt")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParquetDataset.open(tmp.toString()).readAll());
        assertTrue(e.getMessage().contains("missing workload_id"), e.getMessage());
    }

    @Test
    void invalidOrUnknownLocationsFailInOneLineNamingTheLocation() {
        for (String bad : new String[] {"nosuchfs://host/data", "hdfs://bad host:9000/data", " "}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParquetDataset.open(bad));
            assertTrue(e.getMessage().contains(bad.trim()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void unreachableHdfsFailsInOneLineNamingTheLocation() {
        Configuration conf = new Configuration();
        // Fail fast instead of Hadoop's default ten connection retries a second apart.
        conf.setInt("ipc.client.connect.max.retries", 0);
        conf.setInt("ipc.client.connect.max.retries.on.timeouts", 0);
        conf.setInt("ipc.client.connect.timeout", 2000);
        ParquetDataset ds = ParquetDataset.open("hdfs://127.0.0.1:1/data/sim", conf);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, ds::exists);
        assertTrue(e.getMessage().contains("hdfs://127.0.0.1:1/data/sim"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void anUnwritableLocationLeavesNoFile() throws IOException {
        Path blocker = Files.writeString(tmp.resolve("plain-file"), "not a directory");
        ParquetDataset ds = ParquetDataset.open(blocker.resolve("ds").toString());
        assertThrows(UncheckedIOException.class, () -> ds.newPart("part-0.parquet", Map.of()));
        assertEquals(List.of("plain-file"), files(tmp));
    }

    @Test
    void asStoredIsTheIdentityOnAStoredRow() {
        DatasetRow stored = TestRows.rows().get(0).asStored();
        assertSame(stored, stored.asStored());
        assertNull(DatasetSchema.column("step_time_ms").valueOf(TestRows.rows().get(1)));
    }
}
