package io.accessplan.datasets;

import io.accessplan.features.Measurement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Class 3 of issue 11: a damaged part is never read as data. It is refused in one line naming the part,
 * or, asked for, skipped whole and counted.
 */
class DamagedPartTest {
    private static final Path SHIPPED = Path.of("data", "sim-standard", "part-00000.parquet");
    private static final Path SHIPPED_CUDA = Path.of("data", "cuda-h200", "part-00000.parquet");

    @TempDir
    Path tmp;

    private ParquetDataset datasetWith(byte[] partBytes) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ds" + System.nanoTime()));
        Files.write(dir.resolve("part-00000.parquet"), partBytes);
        return ParquetDataset.open(dir.toString());
    }

    /** The refusal of a part: one line naming it. */
    private static String refusal(ParquetDataset ds) {
        DamagedPartException e = assertThrows(DamagedPartException.class, ds::readAll);
        assertTrue(e.getMessage().startsWith("Damaged dataset part "), e.getMessage());
        assertTrue(e.getMessage().contains("part-00000.parquet"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void emptyTruncatedAndForeignPartsAreRefusedNamingThePart() throws Exception {
        byte[] real = Files.readAllBytes(SHIPPED);
        refusal(datasetWith(new byte[0]));
        refusal(datasetWith("family,layers\ngpt,12\n".getBytes()));
        for (int cut : new int[]{4, 100, real.length / 2, real.length - 9, real.length - 1}) {
            refusal(datasetWith(java.util.Arrays.copyOf(real, cut)));
        }
        // a Parquet file of another schema is not a dataset part
        Path other = tmp.resolve("other.parquet");
        GenericTable.write(other.toString(), List.of("family"), List.of(Map.of("family", "gpt")));
        assertTrue(refusal(datasetWith(Files.readAllBytes(other))).contains("not an accessplan dataset part"));
    }

    @Test
    void sixteenOverwrittenBytesInsideAPageAreRefusedNotReadAsHugeStepTimes() throws Exception {
        // the example: 16 bytes overwritten in the middle of a real part
        byte[] real = Files.readAllBytes(SHIPPED);
        for (int at : new int[]{real.length / 3, real.length / 2}) {
            byte[] b = real.clone();
            for (int i = 0; i < 16; i++) {
                b[at + i] = (byte) 0x7f;
            }
            refusal(datasetWith(b));
        }
    }

    @Test
    void aValueOutsideTheSchemaBoundsIsRefusedNamingTheColumnEvenWhenTheFileIsWhole() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.resolve("bounds").toString());
        DatasetRow good = TestRows.rows().get(0);
        Measurement m = good.measurement();
        Measurement huge = new Measurement(m.backend(), m.repeats(), 3.85e117, m.stepTimeMsStdev(), m.peakMemoryBytes(),
                false, m.pcieBytes(), m.hbmBytes(), m.flops(), m.recomputeFlops(), "");
        TestRows.writePart(ds, "part-00000.parquet", List.of(good, new DatasetRow(good.workload(), good.strategy(), huge,
                good.collectedAt())));
        String msg = assertThrows(DamagedPartException.class, ds::readAll).getMessage();
        assertTrue(msg.contains("invalid row 1: Invalid step_time_ms: 3.85E117"), msg);

        Measurement noTime = new Measurement(m.backend(), m.repeats(), Double.NaN, Double.NaN, m.peakMemoryBytes(),
                false, m.pcieBytes(), m.hbmBytes(), m.flops(), m.recomputeFlops(), "");
        Measurement overCapacity = new Measurement(m.backend(), m.repeats(), 10, 0.1, 1L << 45, false, m.pcieBytes(),
                m.hbmBytes(), m.flops(), m.recomputeFlops(), "");
        Measurement moreRecompute = new Measurement(m.backend(), m.repeats(), 10, 0.1, m.peakMemoryBytes(), false,
                m.pcieBytes(), m.hbmBytes(), 1e9, 2e9, "");
        int n = 1;
        for (Measurement bad : List.of(noTime, overCapacity, moreRecompute)) {
            ParquetDataset d = ParquetDataset.open(tmp.resolve("bounds" + n++).toString());
            TestRows.writePart(d, "part-00000.parquet", List.of(new DatasetRow(good.workload(), good.strategy(), bad,
                    good.collectedAt())));
            assertThrows(DamagedPartException.class, d::readAll);
        }
    }

    @Test
    void withSkipDamagedTheOtherPartsAreReadAndTheDamagedOneIsCountedAndNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mixed"));
        Files.copy(SHIPPED, dir.resolve("part-00000.parquet"));
        Files.copy(Path.of("data", "sim-standard", "part-00001.parquet"), dir.resolve("part-00001.parquet"));
        byte[] b = Files.readAllBytes(Path.of("data", "sim-standard", "part-00002.parquet"));
        b[b.length / 2] ^= 0x10;
        Files.write(dir.resolve("part-00002.parquet"), b);
        ParquetDataset ds = ParquetDataset.open(dir.toString());
        assertThrows(DamagedPartException.class, ds::readAll);
        ParquetDataset.Read r = ds.readAllSkippingDamaged();
        assertEquals(1, r.skipped().size());
        assertTrue(r.skipped().get(0).part().endsWith("part-00002.parquet"), r.skipped().get(0).part());
        assertEquals(ds.readPart("part-00000.parquet").size() + ds.readPart("part-00001.parquet").size(), r.rows().size());
    }

    /**
     * Issue 11, "must show" 3: a byte flipped anywhere in a real part is detected (page checksum, decoder or
     * value check) or leaves every row exactly as it was (a byte no reader uses: a statistic, a footer string).
     * Never does damage come back as data. Offsets: every page-header and footer byte region sampled densely,
     * the rest at random, seeded.
     */
    @Test
    void aByteFlippedAtAnyOfManyOffsetsOfARealPartIsDetectedOrChangesNothing() throws Exception {
        for (Path shipped : List.of(SHIPPED, SHIPPED_CUDA)) {
            byte[] real = Files.readAllBytes(shipped);
            List<DatasetRow> truth = datasetWith(real).readAll();
            // the footer: its length is the little-endian int before the closing magic (Parquet file layout)
            int footerLength = java.nio.ByteBuffer.wrap(real, real.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
            int footerStart = real.length - 8 - footerLength;
            SplittableRandom r = new SplittableRandom(20261201);
            int[] detected = new int[2];
            int[] trials = new int[2];
            ParquetDataset ds = datasetWith(real);
            Path part = java.nio.file.Path.of(java.net.URI.create(ds.uri())).resolve("part-00000.parquet");
            // a fixed number of seeded flips (not a time budget: the same offsets on any machine)
            for (int k = 0; k < 120; k++) {
                // half the offsets in the pages (data and page headers), half in the footer and magic
                int at = k % 2 == 0 ? 4 + r.nextInt(footerStart - 4) : footerStart + r.nextInt(real.length - footerStart);
                int region = at < footerStart ? 0 : 1;
                byte[] b = real.clone();
                b[at] ^= (byte) (1 + r.nextInt(255));
                Files.write(part, b);
                trials[region]++;
                try {
                    List<DatasetRow> read = ds.readAll();
                    assertEquals(truth, read, shipped + ": a flip at offset " + at + " of " + real.length
                            + " was read as different data");
                } catch (DamagedPartException e) {
                    assertTrue(e.getMessage().contains("part-00000.parquet"), e.getMessage());
                    detected[region]++;
                }
            }
            assertTrue(trials[0] == 60 && trials[1] == 60, "trials: " + java.util.Arrays.toString(trials));
            // every byte of a page's data is under its CRC-32: what is not detected there is in a page header's
            // statistics (the cuda part's long detail strings make them large), which no reader here uses; in the
            // footer, provenance text and column statistics. Those flips left every row as it was (asserted above).
            String counts = shipped + ": detected " + detected[0] + " of " + trials[0] + " flips in the pages, "
                    + detected[1] + " of " + trials[1] + " in the footer";
            assertTrue(detected[0] >= 0.6 * trials[0], counts);
            assertTrue(detected[1] > 0, counts);
        }
    }

    @Test
    void partsWrittenHereCarryPageChecksums() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.resolve("fresh").toString());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows());
        Path part = tmp.resolve("fresh").resolve("part-00000.parquet");
        byte[] b = Files.readAllBytes(part);
        // the first page starts after the 4-byte magic; flip a byte in its (compressed) data, past its header
        b[40] ^= 0x01;
        Files.write(part, b);
        String msg = refusal(ds);
        assertFalse(msg.isBlank());
    }

    @Test
    void partsHonourTheProcessUmask() throws Exception {
        // the JVM's umask is the test runner's; a part must get what a plain file created now gets
        Path probe = Files.createFile(tmp.resolve("probe"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(probe);
        ParquetDataset ds = ParquetDataset.open(tmp.resolve("perm").toString());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows());
        assertEquals(expected, Files.getPosixFilePermissions(tmp.resolve("perm").resolve("part-00000.parquet")));
        Path table = tmp.resolve("answers.parquet");
        GenericTable.write(table.toString(), List.of("a"), List.of(Map.of("a", "x")));
        assertEquals(expected, Files.getPosixFilePermissions(table));
    }

    @Test
    void aKilledWritersTemporaryIsCleanedOnlyWhenItsProcessIsProvablyGone() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("temps"));
        Process dead = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        dead.waitFor();
        long start = dead.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(1L);
        String uuid = "0123abcd-0000-4000-8000-0123456789ab";
        Path ofDead = Files.writeString(dir.resolve("_tmp.answers.parquet.p" + dead.pid() + "-" + start + "." + uuid
                + ".inprogress"), "x");
        Path ofLive = Files.writeString(dir.resolve("_tmp.answers.parquet." + Location.OWNER + "." + uuid + ".inprogress"), "x");
        // the pid of this process but another start time: a reused pid, so the writer is gone
        Path ofReused = Files.writeString(dir.resolve("_tmp.answers.parquet.p" + ProcessHandle.current().pid() + "-1."
                + uuid + ".inprogress"), "x");
        Path unowned = Files.writeString(dir.resolve("_tmp.answers.parquet." + uuid + ".inprogress"), "x");
        Path otherTarget = Files.writeString(dir.resolve("_tmp.other.parquet.p" + dead.pid() + "-" + start + "." + uuid
                + ".inprogress"), "x");
        GenericTable.write(dir.resolve("answers.parquet").toString(), List.of("a"), List.of(Map.of("a", "x")));
        assertFalse(Files.exists(ofDead));
        assertFalse(Files.exists(ofReused));
        assertTrue(Files.exists(ofLive), "a live writer keeps its file");
        assertTrue(Files.exists(unowned), "a file that names no process is never proven dead");
        assertTrue(Files.exists(otherTarget), "only the temporaries of the file being written");
        // a dataset part's writer cleans its own part's dead temporaries the same way
        Path part = Files.writeString(dir.resolve("_tmp.part-00009.parquet.p" + dead.pid() + "-" + start + "." + uuid
                + ".inprogress"), "x");
        ParquetDataset ds = ParquetDataset.open(dir.toString());
        try (ParquetDataset.PartWriter w = ds.newPart("part-00009.parquet", Map.of())) {
            assertFalse(Files.exists(part));
        }
    }
}
