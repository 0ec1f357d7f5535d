package io.accessplan.datasets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenericTableTest {

    @TempDir
    Path tmp;

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static final List<String> COLUMNS = List.of("family", "layers", "ratio", "fits", "note");

    @Test
    void typedColumnsWithNullsRoundTrip() {
        String file = tmp.resolve("jobs.parquet").toString();
        List<Map<String, Object>> rows = List.of(
                row("family", "gpt", "layers", 12L, "ratio", 0.5, "fits", true, "note", null),
                row("family", "llama", "layers", 32, "ratio", 2L, "fits", false, "note", null),
                row("family", null, "layers", null, "ratio", null, "fits", null, "note", null));
        GenericTable.write(file, COLUMNS, rows);

        List<Map<String, Object>> back = GenericTable.read(file);
        List<Map<String, Object>> expected = new ArrayList<>();
        expected.add(row("family", "gpt", "layers", 12L, "ratio", 0.5, "fits", true, "note", null));
        expected.add(row("family", "llama", "layers", 32L, "ratio", 2.0, "fits", false, "note", null));
        expected.add(row("family", null, "layers", null, "ratio", null, "fits", null, "note", null));
        assertEquals(expected, back);
        assertEquals(COLUMNS, List.copyOf(back.get(0).keySet()), "column order is kept");
    }

    @Test
    void inferredTypesAreWhatDuckDbSees() throws Exception {
        Path file = tmp.resolve("answers.parquet");
        GenericTable.write(file.toString(), COLUMNS, List.of(row("family", "gpt", "layers", 1L, "ratio", 1.5,
                "fits", true)));
        Map<String, String> types = new HashMap<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + file.toAbsolutePath() + "')")) {
            while (rs.next()) {
                types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
        }
        assertEquals(Map.of("family", "VARCHAR", "layers", "BIGINT", "ratio", "DOUBLE", "fits", "BOOLEAN",
                "note", "VARCHAR"), types);
    }

    @Test
    void readsAFileWrittenByDuckDb() throws Exception {
        Path file = tmp.resolve("duck.parquet");
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
            s.execute("COPY (SELECT 'bert' AS family, 24::INTEGER AS layers, 0.25::FLOAT AS f, NULL::BIGINT AS n)"
                    + " TO '" + file.toAbsolutePath() + "' (FORMAT parquet)");
        }
        assertEquals(List.of(row("family", "bert", "layers", 24L, "f", 0.25, "n", null)),
                GenericTable.read(file.toString()));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        String file = tmp.resolve("out.parquet").toString();
        GenericTable.write(file, List.of("a"), List.of(row("a", "first")));
        GenericTable.write(file, List.of("a"), List.of(row("a", "second")));
        assertEquals(List.of(row("a", "second")), GenericTable.read(file));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("out.parquet"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void mixedOrUnknownValuesAreRejectedNamingTheColumnAndNoFileIsLeft() throws IOException {
        String file = tmp.resolve("bad.parquet").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenericTable.write(file,
                List.of("layers"), List.of(row("layers", 1L), row("layers", "two"))));
        assertTrue(e.getMessage().contains("layers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GenericTable.write(file, List.of("a"), List.of(row("b", 1L))));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aMissingFileIsNamedInTheError() {
        String file = tmp.resolve("none.parquet").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenericTable.read(file));
        assertTrue(e.getMessage().contains("none.parquet"), e.getMessage());
    }
}
