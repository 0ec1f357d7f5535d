package io.accessplan.datasets;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A flat Parquet table of simple typed columns, for files that are not datasets: the batch
 * command's job files in and answer files out. Values are {@link String}, {@link Long},
 * {@link Double}, {@link Boolean} or null; any column may hold null.
 */
public final class GenericTable {

    /** The Java type a column holds, inferred from its values when writing. */
    private enum Kind {
        STRING, LONG, DOUBLE, BOOLEAN
    }

    private GenericTable() {
    }

    /**
     * Reads every row of a Parquet file at a local path or Hadoop URI. Each row maps every column,
     * in file order, to its value: strings (BINARY), integers of any width as {@link Long}, FLOAT and
     * DOUBLE as {@link Double}, BOOLEAN, or null.
     *
     * @throws IllegalArgumentException naming the file where it is missing, malformed or has a column
     *                                  that is nested, repeated or of another type
     */
    public static List<Map<String, Object>> read(String pathOrUri) {
        return read(pathOrUri, new Configuration());
    }

    /** Reads every row of a Parquet file, as {@link #read(String)}, with a Hadoop configuration. */
    public static List<Map<String, Object>> read(String pathOrUri, Configuration conf) {
        Location file = Location.resolve(pathOrUri, conf);
        Path p = file.path();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(file.inputFile(p), ParquetDataset.readOptions())) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            List<String> columns = new ArrayList<>();
            for (Type t : schema.getFields()) {
                checkReadable(t, p);
                columns.add(t.getName());
            }
            var io = new ColumnIOFactory().getColumnIO(schema);
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    Group g = records.read();
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int f = 0; f < columns.size(); f++) {
                        row.put(columns.get(f), value(g, f, schema.getType(f).asPrimitiveType()));
                    }
                    rows.add(Collections.unmodifiableMap(row));
                }
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("No such table: " + p, e);
        } catch (IOException e) {
            throw Location.failure("Cannot read table", p, e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(p.toString())) {
                throw e;
            }
            throw new IllegalArgumentException("Damaged table " + p + ": " + Location.oneLine(e), e);
        } catch (RuntimeException | OutOfMemoryError e) {
            // damaged bytes fail a decoder in many ways; each is the file's fault, said once
            throw new IllegalArgumentException("Damaged table " + p + ": " + Location.oneLine(e), e);
        }
        return rows;
    }

    /**
     * Writes rows as a Parquet file at a local path or Hadoop URI, replacing any file there. The
     * file is written aside and renamed into place, so no reader sees it half written. Each
     * column's type is inferred from its non-null values: all strings give BINARY (STRING), all
     * integers INT64, numbers with any floating-point value DOUBLE, all booleans BOOLEAN; a column
     * with only nulls is a string column. Every column is OPTIONAL.
     *
     * @param columns the column names, in file order
     * @param rows    each maps column names (a subset of {@code columns}) to values; a missing key is null
     * @throws IllegalArgumentException naming the column where names repeat, a row has an unknown
     *                                  column, or a column mixes types
     */
    public static void write(String pathOrUri, List<String> columns, List<Map<String, Object>> rows) {
        write(pathOrUri, columns, rows, new Configuration());
    }

    /** Writes rows as a Parquet file, as {@link #write(String, List, List)}, with a Hadoop configuration. */
    public static void write(String pathOrUri, List<String> columns, List<Map<String, Object>> rows,
                             Configuration conf) {
        if (columns == null || rows == null) {
            throw new IllegalArgumentException("Invalid table for " + pathOrUri + ": columns and rows are required");
        }
        MessageType schema = schemaFor(columns, rows);
        Location file = Location.resolve(pathOrUri, conf);
        Path target = file.path();
        if (target.getParent() == null) {
            throw new IllegalArgumentException("Invalid table location: " + pathOrUri + " (no parent directory)");
        }
        Path tmp = Location.temporaryFor(target);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        boolean published = false;
        try {
            file.fs().mkdirs(target.getParent());
            file.cleanDeadTemporaries(target.getParent(), target.getName());
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(file.outputFile(tmp))
                    .withConf(conf)
                    .withType(schema)
                    .withWriteMode(ParquetFileWriter.Mode.CREATE)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withPageWriteChecksumEnabled(true)
                    .build()) {
                for (Map<String, Object> row : rows) {
                    Group g = groups.newGroup();
                    for (Type t : schema.getFields()) {
                        Object v = row.get(t.getName());
                        if (v != null) {
                            append(g, t.asPrimitiveType(), v);
                        }
                    }
                    writer.write(g);
                }
            }
            file.publishReplace(tmp, target);
            published = true;
        } catch (IOException e) {
            throw Location.failure("Cannot write table", target, e);
        } finally {
            if (!published) {
                file.deleteQuietly(tmp);
            }
        }
    }

    private static MessageType schemaFor(List<String> columns, List<Map<String, Object>> rows) {
        Set<String> seen = new HashSet<>();
        for (String c : columns) {
            if (c == null || c.isBlank() || !seen.add(c)) {
                throw new IllegalArgumentException("Invalid column name: '" + c + "' (blank or repeated)");
            }
        }
        Map<String, Kind> kinds = new LinkedHashMap<>();
        for (int r = 0; r < rows.size(); r++) {
            Map<String, Object> row = rows.get(r);
            if (row == null) {
                throw new IllegalArgumentException("Invalid row " + r + ": null");
            }
            for (Map.Entry<String, Object> e : row.entrySet()) {
                if (!seen.contains(e.getKey())) {
                    throw new IllegalArgumentException("Invalid row " + r + ": column '" + e.getKey()
                            + "' is not one of " + columns);
                }
                if (e.getValue() != null) {
                    Kind k = kindOf(e.getKey(), r, e.getValue());
                    Kind before = kinds.get(e.getKey());
                    kinds.put(e.getKey(), before == null ? k : unify(e.getKey(), r, before, k));
                }
            }
        }
        Types.MessageTypeBuilder b = Types.buildMessage();
        for (String c : columns) {
            b.addField(switch (kinds.getOrDefault(c, Kind.STRING)) {
                case STRING -> Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c);
                case LONG -> Types.optional(PrimitiveTypeName.INT64).named(c);
                case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(c);
                case BOOLEAN -> Types.optional(PrimitiveTypeName.BOOLEAN).named(c);
            });
        }
        return b.named("table");
    }

    private static Kind kindOf(String column, int row, Object v) {
        if (v instanceof String) {
            return Kind.STRING;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return Kind.LONG;
        }
        if (v instanceof Double || v instanceof Float) {
            return Kind.DOUBLE;
        }
        if (v instanceof Boolean) {
            return Kind.BOOLEAN;
        }
        throw new IllegalArgumentException("Invalid value in column " + column + ", row " + row + ": " + v + " ("
                + v.getClass().getSimpleName() + "; expected String, Long, Double or Boolean)");
    }

    /** Integers and floating-point numbers in one column make a DOUBLE column; other mixtures are errors. */
    private static Kind unify(String column, int row, Kind a, Kind b) {
        if (a == b) {
            return a;
        }
        if ((a == Kind.LONG && b == Kind.DOUBLE) || (a == Kind.DOUBLE && b == Kind.LONG)) {
            return Kind.DOUBLE;
        }
        throw new IllegalArgumentException("Invalid value in column " + column + ", row " + row + ": "
                + b.name().toLowerCase(Locale.ROOT) + " in a column of " + a.name().toLowerCase(Locale.ROOT) + " values");
    }

    private static void append(Group g, PrimitiveType t, Object v) {
        switch (t.getPrimitiveTypeName()) {
            case BINARY -> g.append(t.getName(), (String) v);
            case INT64 -> g.append(t.getName(), ((Number) v).longValue());
            case DOUBLE -> g.append(t.getName(), ((Number) v).doubleValue());
            case BOOLEAN -> g.append(t.getName(), (Boolean) v);
            default -> throw new IllegalStateException("Unexpected column type: " + t);
        }
    }

    private static void checkReadable(Type t, Path p) {
        String why = null;
        if (!t.isPrimitive()) {
            why = "nested";
        } else if (t.isRepetition(Type.Repetition.REPEATED)) {
            why = "repeated";
        } else {
            PrimitiveType pt = t.asPrimitiveType();
            if (pt.getPrimitiveTypeName() == PrimitiveTypeName.INT96
                    || pt.getPrimitiveTypeName() == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
                why = pt.getPrimitiveTypeName().name();
            } else if (pt.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) {
                why = "decimal";
            }
        }
        if (why != null) {
            throw new IllegalArgumentException("Unsupported column " + t.getName() + " in " + p + " (" + why
                    + "; expected strings, integers, floating-point numbers or booleans)");
        }
    }

    private static Object value(Group g, int field, PrimitiveType t) {
        if (g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        return switch (t.getPrimitiveTypeName()) {
            case BINARY -> g.getString(field, 0);
            case INT32 -> (long) g.getInteger(field, 0);
            case INT64 -> g.getLong(field, 0);
            case FLOAT -> (double) g.getFloat(field, 0);
            case DOUBLE -> g.getDouble(field, 0);
            case BOOLEAN -> g.getBoolean(field, 0);
            default -> throw new IllegalStateException("Unexpected column type: " + t);
        };
    }
}
