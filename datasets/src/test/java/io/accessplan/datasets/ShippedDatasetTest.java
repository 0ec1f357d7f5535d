package io.accessplan.datasets;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped simulated dataset is well formed for an outside reader and for ours. */
class ShippedDatasetTest {

    private static final Path DIR = Path.of("data", "sim-standard");

    @Test
    void shippedSimStandardIsWellFormedForDuckDb() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "no shipped dataset at " + DIR.toAbsolutePath() + " yet");
        try (DuckDbCheck duck = new DuckDbCheck(DIR)) {
            long rows = duck.assertWellFormed();
            assertEquals(rows, duck.count("SELECT count(*) FROM t WHERE backend = 'sim'"), "sim rows say so");
        }
    }

    @Test
    void shippedSimStandardReadsBackWithItsProvenance() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "no shipped dataset at " + DIR.toAbsolutePath() + " yet");
        assertTrue(Files.isRegularFile(DIR.resolve("README.md")), "every dataset has its README");
        ParquetDataset ds = ParquetDataset.open(DIR.toString());
        assertFalse(ds.parts().isEmpty());
        boolean anyV1 = false;
        for (String part : ds.parts()) {
            String v = ds.footer(part).get(DatasetSchema.SCHEMA_VERSION_KEY);
            assertTrue(v.equals("1") || v.equals(DatasetSchema.VERSION), part + ": " + v);
            anyV1 |= v.equals("1");
        }
        var rows = ds.readAll();
        assertFalse(rows.isEmpty());
        if (anyV1) {   // a version-1 part has no energy_j: its rows read with none, never a made-up one
            assertTrue(rows.stream().anyMatch(r -> Double.isNaN(r.measurement().energyJ())));
        }
    }

    @Test
    void shippedCudaH200IsWellFormedForDuckDbAndSaysItWasMeasured() throws Exception {
        measuredDataset("cuda-h200", 620, "NVIDIA H200");
    }

    @Test
    void shippedCudaH100IsWellFormedForDuckDbAndSaysItWasMeasured() throws Exception {
        measuredDataset("cuda-h100", 256, "NVIDIA H100 80GB HBM3");
    }

    private static void measuredDataset(String name, long expectedRows, String card) throws Exception {
        Path dir = Path.of("data", name);
        Assumptions.assumeTrue(Files.isDirectory(dir), "no measured dataset at " + dir.toAbsolutePath());
        assertTrue(Files.isRegularFile(dir.resolve("README.md")), "every dataset has its README");
        try (DuckDbCheck duck = new DuckDbCheck(dir)) {
            long rows = duck.assertWellFormed();
            assertEquals(expectedRows, rows);
            assertEquals(rows, duck.count("SELECT count(*) FROM t WHERE backend = 'cuda'"), "cuda rows say so");
        }
        ParquetDataset ds = ParquetDataset.open(dir.toString());
        for (String part : ds.parts()) {
            assertEquals("cuda", ds.footer(part).get("backend"), part);
            assertEquals(card, ds.footer(part).get("card.device"), part);
        }
    }
}
