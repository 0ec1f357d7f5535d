package io.accessplan.datasets;

import io.accessplan.datasets.DatasetSchema.Column;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The schema table in {@code data/README.md} says what {@link DatasetSchema} declares, no more and no less. */
class DataReadmeTest {

    private static String parquetType(DatasetSchema.Type t) {
        return switch (t) {
            case STRING -> "BINARY (STRING)";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case DOUBLE -> "DOUBLE";
            case BOOLEAN -> "BOOLEAN";
            case TIMESTAMP_MILLIS -> "INT64 TIMESTAMP(MILLIS, UTC)";
        };
    }

    @Test
    void readmeSchemaTableMatchesTheDeclaredColumns() throws IOException {
        List<String> tableRows = Files.readAllLines(Path.of("data", "README.md")).stream()
                .filter(l -> l.startsWith("| `")).toList();
        List<Column> columns = DatasetSchema.columns();
        assertEquals(columns.size(), tableRows.size(), "one table row per column");
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            String expected = "| `" + c.name() + "` | " + parquetType(c.type()) + " | "
                    + (c.nullable() ? "optional" : "required") + " |";
            assertEquals(expected, tableRows.get(i).substring(0, Math.min(expected.length(), tableRows.get(i).length())),
                    c.name());
        }
    }

    @Test
    void parquetSchemaFollowsTheColumns() {
        var message = ParquetColumns.messageType();
        assertEquals(DatasetSchema.names().size(), message.getFieldCount());
        for (Column c : DatasetSchema.columns()) {
            var field = message.getType(c.name()).asPrimitiveType();
            assertEquals(ParquetColumns.primitive(c.type()), field.getPrimitiveTypeName(), c.name());
            assertEquals(c.nullable(), field.isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL), c.name());
        }
        assertEquals(List.of("policy_layers", "step_time_ms", "step_time_ms_stdev", "energy_j"),
                DatasetSchema.columns().stream().filter(Column::nullable).map(Column::name).toList());
    }
}
