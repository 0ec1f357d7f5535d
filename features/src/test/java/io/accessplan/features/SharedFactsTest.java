package io.accessplan.features;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small facts several modules share: one hash, one statistic of repeats, one atomic write. */
class SharedFactsTest {

    @Test
    void fnv1aMatchesThePublishedTestVectors() {
        // draft-eastlake-fnv, section 6 / the reference test suite of Noll's fnv64a
        assertEquals(0xcbf29ce484222325L, Fnv1a.hash64(""));
        assertEquals(0xaf63dc4c8601ec8cL, Fnv1a.hash64("a"));
        assertEquals(0x85944171f73967e8L, Fnv1a.hash64("foobar"));
        assertEquals("85944171f73967e8", Fnv1a.hex64("foobar"));
    }

    @Test
    void aWorkloadIdIsTheHashOfItsCanonicalText() {
        Workload w = Fixtures.workload(Fixtures.gpt2Small(), 1024, 8, Precision.FP16, AttentionKind.FUSED);
        assertEquals(Fnv1a.hex64(w.canonical()), w.id());
    }

    @Test
    void repeatsGiveTheMedianAndTheSampleDeviation() {
        double[] odd = {3, 1, 2};
        assertEquals(2.0, Repeats.median(odd));
        assertArrayEquals(new double[]{3, 1, 2}, odd, "the input is not reordered");
        assertEquals(2.5, Repeats.median(new double[]{4, 1, 3, 2}));
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32/7
        assertEquals(Math.sqrt(32.0 / 7), Repeats.stdev(new double[]{2, 4, 4, 4, 5, 5, 7, 9}), 1e-15);
        assertEquals(0.0, Repeats.stdev(new double[]{7}));
        assertTrue(Double.isNaN(Repeats.median(new double[0])));
        assertTrue(Double.isNaN(Repeats.stdev(new double[0])));
    }

    @Test
    void theOffloadBandwidthIsTheSlowerDirection() {
        DeviceProfile d = Fixtures.device("a100-pcie-40gb");
        assertEquals(Math.min(d.h2dGBps(), d.d2hGBps()), d.pcieGBps());
    }

    @Test
    void anAtomicWriteReplacesTheWholeFileAndAFailedOneLeavesItAsItWas(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sub/out.bin");
        AtomicFiles.write(f, new byte[]{1, 2, 3});
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(f));
        AtomicFiles.write(f, new byte[]{4});
        assertArrayEquals(new byte[]{4}, Files.readAllBytes(f));
        assertThrows(IOException.class, () -> AtomicFiles.write(f, tmp -> {
            Files.write(tmp, new byte[]{9, 9});
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[]{4}, Files.readAllBytes(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temporary file is left behind");
        }
    }
}
