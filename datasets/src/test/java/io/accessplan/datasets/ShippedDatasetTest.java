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
        String version = ParquetDataset.open(DIR.toString()).footer("part-00000.parquet")
                .get(DatasetSchema.SCHEMA_VERSION_KEY);
        try (DuckDbCheck duck = new DuckDbCheck(DIR)) {
            long rows = duck.assertWellFormed(Integer.parseInt(version));   // a schema this reader reads
            assertEquals(rows, duck.count("SELECT count(*) FROM t WHERE backend = 'sim'"), "sim rows say so");
            if (Integer.parseInt(version) >= DatasetSchema.column("energy_j").since()) {
                // the power model gives every run that has a step time its energy, and none to a run that has none
                assertEquals(0, duck.count("SELECT count(*) FROM t WHERE step_time_ms IS NOT NULL"
                        + " AND (energy_j IS NULL OR NOT energy_j > 0)"), "a fitting row has a positive energy_j");
                assertEquals(0, duck.count("SELECT count(*) FROM t WHERE step_time_ms IS NULL AND energy_j IS NOT NULL"),
                        "no energy without a step");
                assertTrue(duck.count("SELECT count(*) FROM t WHERE energy_j IS NOT NULL") > rows / 4,
                        "energy_j is carried, not all null");
            }
        }
    }

    @Test
    void shippedSimStandardReadsBackWithItsProvenance() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "no shipped dataset at " + DIR.toAbsolutePath() + " yet");
        assertTrue(Files.isRegularFile(DIR.resolve("README.md")), "every dataset has its README");
        ParquetDataset ds = ParquetDataset.open(DIR.toString());
        assertFalse(ds.parts().isEmpty());
        String first = ds.footer(ds.parts().get(0)).get(DatasetSchema.SCHEMA_VERSION_KEY);
        int version = Integer.parseInt(first);
        assertTrue(version >= 1 && version <= Integer.parseInt(DatasetSchema.VERSION), first);
        for (String part : ds.parts()) {
            assertEquals(first, ds.footer(part).get(DatasetSchema.SCHEMA_VERSION_KEY), part + ": one sweep, one schema");
        }
        var rows = ds.readAll();
        assertFalse(rows.isEmpty());
        if (version < DatasetSchema.column("energy_j").since()) {   // no energy_j: its rows read with none, never a made-up one
            assertTrue(rows.stream().allMatch(r -> Double.isNaN(r.measurement().energyJ())));
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

    @Test
    void aVersionOneDatasetStillReadsAndItsLayerCountFollowsFromTheStrategy() throws Exception {
        Path dir = Path.of("data", "cuda-h100");
        Assumptions.assumeTrue(Files.isDirectory(dir), "no measured dataset at " + dir.toAbsolutePath());
        ParquetDataset ds = ParquetDataset.open(dir.toString());
        for (String part : ds.parts()) {
            assertEquals(DatasetSchema.VERSION_1, ds.footer(part).get(DatasetSchema.SCHEMA_VERSION_KEY), part);
        }
        try (DuckDbCheck duck = new DuckDbCheck(dir)) {
            assertFalse(duck.columnTypes().containsKey("policy_layers"), "a version 1 part has no policy_layers");
        }
        java.util.List<DatasetRow> rows = ds.readAll();
        assertEquals(256, rows.size());
        DatasetSchema.Column layers = DatasetSchema.column("policy_layers");
        for (DatasetRow r : rows) {
            Object v = layers.valueOf(r);
            switch (r.strategy().policy()) {
                case KEEP, SQRT -> assertEquals(null, v, r.strategy().toString());
                default -> assertEquals(r.workload().model().layers(), v, r.strategy().toString());
            }
        }
        // written again, it is a version 2 dataset with the column and the same rows
        Path out = Files.createTempDirectory("v1-to-v2");
        ParquetDataset copy = ParquetDataset.open(out.resolve("ds").toString());
        try (ParquetDataset.PartWriter w = copy.newPart("part-00000.parquet", java.util.Map.of())) {
            rows.forEach(w::write);
            w.commit();
        }
        assertEquals(DatasetSchema.VERSION, copy.footer("part-00000.parquet").get(DatasetSchema.SCHEMA_VERSION_KEY));
        assertEquals(rows, copy.readAll());
        try (DuckDbCheck duck = new DuckDbCheck(out.resolve("ds"))) {
            duck.assertWellFormed();
            assertEquals(rows.stream().filter(r -> r.strategy().policy().partial()).count(),
                    duck.count("SELECT count(*) FROM t WHERE policy_layers = layers"));
        }
    }

    private static void measuredDataset(String name, long expectedRows, String card) throws Exception {
        Path dir = Path.of("data", name);
        Assumptions.assumeTrue(Files.isDirectory(dir), "no measured dataset at " + dir.toAbsolutePath());
        assertTrue(Files.isRegularFile(dir.resolve("README.md")), "every dataset has its README");
        try (DuckDbCheck duck = new DuckDbCheck(dir)) {
            long rows = duck.assertWellFormed(1);   // measured before schema version 2
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
