package io.accessplan.datasets;

import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DuckDbReadsDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void duckDbSeesEveryColumnWithItsTypeAndNoStrayNulls() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        List<DatasetRow> rows = TestRows.rows();
        TestRows.writePart(ds, "part-00000.parquet", rows.subList(0, 5));
        TestRows.writePart(ds, "part-00001.parquet", rows.subList(5, 8));
        try (ParquetDataset.PartWriter open = ds.newPart("part-00002.parquet", Map.of())) {
            open.write(rows.get(0));   // in progress while DuckDB globs the directory: must not be read
            try (DuckDbCheck duck = new DuckDbCheck(tmp)) {
                assertEquals(rows.size(), duck.assertWellFormed());
                assertEquals(2, duck.count("SELECT count(*) FROM t WHERE step_time_ms IS NULL"));
                assertEquals(1, duck.count("SELECT count(*) FROM t WHERE oom"));
            }
        }
    }

    @Test
    void duckDbReadsTheValuesWeWrote() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        DatasetRow row = TestRows.rows().get(3);
        TestRows.writePart(ds, "part-00000.parquet", List.of(row));
        Workload w = row.workload();
        String sql = "SELECT workload_id, architecture_id, family, kv_heads, ffn_hidden, parameters, strategy,"
                + " micro_batches, step_time_ms, device_memory_bytes, epoch_ms(collected_at) FROM read_parquet('"
                + tmp.toAbsolutePath() + "/*.parquet')";
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
             Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            assertEquals(w.id(), rs.getString(1));
            assertEquals(w.architectureId(), rs.getString(2));
            assertEquals("llama", rs.getString(3));
            assertEquals(4, rs.getInt(4));
            assertEquals(w.model().ffnHidden(), rs.getInt(5));
            assertEquals(w.parameters(), rs.getLong(6));
            assertEquals("selective+mb2", rs.getString(7));
            assertEquals(2, rs.getInt(8));
            assertEquals(88.0, rs.getDouble(9));
            assertEquals(80L * 1024 * 1024 * 1024, rs.getLong(10));
            assertEquals(row.collectedAt().toEpochMilli(), rs.getLong(11));
        }
    }

    @Test
    void duckDbReadsTheFooterProvenance() throws Exception {
        ParquetDataset ds = ParquetDataset.open(tmp.toString());
        TestRows.writePart(ds, "part-00000.parquet", TestRows.rows().subList(0, 1));
        String sql = "SELECT decode(value) FROM parquet_kv_metadata('" + tmp.toAbsolutePath()
                + "/part-00000.parquet') WHERE decode(key) = '" + DatasetSchema.SCHEMA_VERSION_KEY + "'";
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
             Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            assertEquals(DatasetSchema.VERSION, rs.getString(1));
        }
    }
}
