package io.accessplan.datasets;

import io.accessplan.datasets.DatasetSchema.Column;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a dataset directory through DuckDB, a reader that shares no code with ours: every schema
 * column exists with the expected SQL type, and no required column holds a null.
 */
final class DuckDbCheck implements AutoCloseable {
    private final Connection db;
    private final String source;

    DuckDbCheck(java.nio.file.Path dir) throws SQLException {
        this.db = DriverManager.getConnection("jdbc:duckdb:");
        this.source = "read_parquet('" + dir.toAbsolutePath().toString().replace("'", "''") + "/*.parquet')";
    }

    /** The SQL type DuckDB gives each Parquet type of the schema (DuckDB docs, "Parquet Type Mapping"). */
    static String duckDbType(DatasetSchema.Type t) {
        return switch (t) {
            case STRING -> "VARCHAR";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case DOUBLE -> "DOUBLE";
            case BOOLEAN -> "BOOLEAN";
            case TIMESTAMP_MILLIS -> "TIMESTAMP WITH TIME ZONE";   // isAdjustedToUTC = true
        };
    }

    /** The column names and SQL types DuckDB reads, in file order. */
    Map<String, String> columnTypes() throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
            while (rs.next()) {
                types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
        }
        return types;
    }

    /** A single number from a query over the dataset, written with {@code FROM t} for the dataset. */
    long count(String sqlOverT) throws SQLException {
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery(sqlOverT.replace("FROM t", "FROM " + source + " t"))) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    /** Asserts the schema, the required columns' non-nullness and that a time is null exactly where no run succeeded. */
    long assertWellFormed() throws SQLException {
        Map<String, String> types = columnTypes();
        // a dataset written by an older schema version lacks exactly the columns added since
        List<Column> columns = DatasetSchema.columns().stream()
                .filter(c -> c.since() == 1 || types.containsKey(c.name())).toList();
        assertEquals(columns.stream().map(Column::name).toList(), List.copyOf(types.keySet()), "columns and their order");
        for (Column c : columns) {
            assertEquals(duckDbType(c.type()), types.get(c.name()), c.name());
        }
        long rows = count("SELECT count(*) FROM t");
        assertTrue(rows > 0, "no rows");
        for (Column c : columns) {
            if (!c.nullable()) {
                assertEquals(0, count("SELECT count(*) FROM t WHERE \"" + c.name() + "\" IS NULL"), c.name());
            }
        }
        assertEquals(0, count("SELECT count(*) FROM t WHERE oom AND step_time_ms IS NOT NULL"),
                "an oom run has no step time");
        assertEquals(0, count("SELECT count(*) FROM t WHERE step_time_ms IS NULL AND NOT oom AND detail = ''"),
                "a missing step time is an oom or a failure with its error in detail");
        assertEquals(0, count("SELECT count(*) FROM t WHERE isnan(step_time_ms) OR isnan(step_time_ms_stdev)"),
                "NaN is stored as null");
        return rows;
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
