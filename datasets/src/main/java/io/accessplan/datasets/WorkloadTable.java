package io.accessplan.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.accessplan.features.Csv;
import org.apache.hadoop.conf.Configuration;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one home of workload tables: sweep workload files, batch job files in and batch answer files
 * out, as CSV (RFC 4180, through {@link Csv}), JSON Lines (Jackson) or Parquet ({@link GenericTable}),
 * chosen by extension. Column names are the dataset's ({@code seq_len}; {@code seq-len} and any case
 * are accepted on reading). Rows keep their columns in file order, so an answer carries a job's own
 * columns through. A row that cannot be read (wrong field count, malformed JSON, a nested value) is
 * kept, with its error, so that a batch can still answer it; a file that cannot be read at all is
 * refused in one line naming it. Files are written aside and renamed into place, never half written.
 */
public final class WorkloadTable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectWriter ONE_LINE = JSON.writer().without(SerializationFeature.INDENT_OUTPUT);

    /** The formats, by file extension. */
    public enum Format {
        /** {@code .csv}: a header row, then one row per line (quoted fields may span lines). */
        CSV,
        /** {@code .jsonl} or {@code .ndjson}: one JSON object per line. */
        JSONL,
        /** {@code .parquet}: a flat Parquet file, local or on any Hadoop file system. */
        PARQUET;

        /** The format of a file name, or null where the extension is none of these. */
        public static Format of(String path) {
            String n = path.toLowerCase(Locale.ROOT);
            if (n.endsWith(".csv")) {
                return CSV;
            }
            if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
                return JSONL;
            }
            return n.endsWith(".parquet") ? PARQUET : null;
        }
    }

    /**
     * One row: where it came from, its values (strings from CSV; strings, numbers, booleans or null
     * from JSON and Parquet), and why it could not be read whole, or null.
     *
     * @param line   the line it starts on (CSV, JSONL; the header is line 1 in CSV) or its 1-based row number (Parquet)
     * @param values the columns it has, in file order
     * @param error  what is wrong with the row as a row, or null
     */
    public record Row(long line, Map<String, Object> values, String error) {
        /** Copies the values, keeping their order (nulls allowed). */
        public Row {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }
    }

    /** Largest CSV or JSONL table read: 256 MiB (about five million jobs). */
    public static final long MAX_TEXT_BYTES = 256L << 20;

    private WorkloadTable() {
    }

    /**
     * Reads every row of a table.
     *
     * @throws IllegalArgumentException naming the file where it is missing, unreadable, of an unknown
     *                                  extension, not UTF-8, has no or a bad header, or is damaged (Parquet)
     */
    public static List<Row> read(String pathOrUri) {
        Format f = format(pathOrUri);
        if (f == Format.PARQUET) {
            List<Row> out = new ArrayList<>();
            long n = 0;
            for (Map<String, Object> r : GenericTable.read(pathOrUri)) {
                out.add(new Row(++n, normalizedKeys(r), null));
            }
            return out;
        }
        Location loc = Location.resolve(pathOrUri, new Configuration());
        String text;
        try {
            var status = loc.fs().getFileStatus(loc.path());
            if (!status.isFile()) {
                throw new IllegalArgumentException("Unreadable file: " + pathOrUri + " (not a regular file)");
            }
            if (status.getLen() > MAX_TEXT_BYTES) {
                throw new IllegalArgumentException("Too large: " + pathOrUri + " (" + status.getLen() + " bytes; a CSV or"
                        + " JSONL table is read whole, at most " + MAX_TEXT_BYTES + " bytes; use Parquet)");
            }
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("Unreadable file: " + pathOrUri + " (no such file)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable file: " + pathOrUri + " (" + Location.oneLine(e) + ")", e);
        }
        try (var in = loc.fs().open(loc.path())) {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(in.readAllBytes())).toString();
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("Unreadable file: " + pathOrUri + " (no such file)", e);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("Unreadable file: " + pathOrUri + " (not UTF-8 text)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable file: " + pathOrUri + " (" + Location.oneLine(e) + ")", e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);   // a UTF-8 byte order mark is not part of the first column's name
        }
        return f == Format.CSV ? csv(pathOrUri, text) : jsonl(text);
    }

    private static Format format(String pathOrUri) {
        Format f = pathOrUri == null ? null : Format.of(pathOrUri);
        if (f == null) {
            throw new IllegalArgumentException("Unsupported file: " + pathOrUri + " (expected .csv, .jsonl or .parquet)");
        }
        return f;
    }

    private static String column(String name) {
        return name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private static Map<String, Object> normalizedKeys(Map<String, Object> r) {
        Map<String, Object> m = new LinkedHashMap<>();
        r.forEach((k, v) -> m.put(column(k), v));
        return m;
    }

    private static List<Row> csv(String file, String text) {
        List<Row> out = new ArrayList<>();
        List<String> header = null;
        for (Csv.Line l : Csv.read(text, file)) {
            List<String> f = l.fields();
            if (header == null) {
                header = f.stream().map(WorkloadTable::column).toList();
                for (int i = 0; i < header.size(); i++) {
                    if (header.get(i).isEmpty() || header.indexOf(header.get(i)) != i) {
                        throw new IllegalArgumentException("Invalid header in " + file + ": column " + (i + 1) + " '"
                                + header.get(i) + "' is blank or repeated");
                    }
                }
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            for (int c = 0; c < Math.min(header.size(), f.size()); c++) {
                m.put(header.get(c), f.get(c).trim());
            }
            // keep what a short or long row has (a job id, say), so that an answer can still name the job
            String error = f.size() == header.size() ? null : "expected " + header.size() + " fields, got " + f.size();
            out.add(new Row(l.line(), m, error));
        }
        if (header == null) {
            throw new IllegalArgumentException("Empty file: " + file + " (expected a header row)");
        }
        return out;
    }

    private static List<Row> jsonl(String text) {
        List<Row> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new StringReader(text));
        long no = 0;
        for (String line : (Iterable<String>) r.lines()::iterator) {
            no++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                if (n == null || !n.isObject()) {
                    out.add(new Row(no, Map.of(), "not a JSON object"));
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                String error = null;
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode v = e.getValue();
                    String key = column(e.getKey());
                    if (v.isContainerNode()) {
                        error = error != null ? error : "field " + key + " is a JSON " + (v.isArray() ? "array" : "object")
                                + ", expected a string, number or boolean";
                        continue;
                    }
                    m.put(key, v.isNull() ? null : v.isIntegralNumber() && v.canConvertToLong() ? (Object) v.asLong()
                            : v.isNumber() ? (Object) v.asDouble() : v.isBoolean() ? (Object) v.asBoolean() : v.asText());
                }
                out.add(new Row(no, m, error));
            } catch (JsonProcessingException e) {
                out.add(new Row(no, Map.of(), "malformed JSON (" + e.getOriginalMessage() + ")"));
            }
        }
        return out;
    }

    /**
     * Writes rows, replacing any file there, atomically: the file is written aside and renamed into place
     * (temporaries of writers that were killed are removed first). CSV quotes where RFC 4180 requires;
     * JSONL writes numbers read from text as JSON numbers; Parquet infers column types ({@link GenericTable}).
     *
     * @param columns the column names, in file order
     * @param rows    each maps column names to values; a missing key or null is empty (CSV) or null
     * @throws UncheckedIOException naming the file where it cannot be written
     */
    public static void write(String pathOrUri, List<String> columns, List<Map<String, Object>> rows) {
        Format f = format(pathOrUri);
        if (f == Format.PARQUET) {
            GenericTable.write(pathOrUri, columns, rows);
            return;
        }
        Location loc = Location.resolve(pathOrUri, new Configuration());
        org.apache.hadoop.fs.Path target = loc.path();
        org.apache.hadoop.fs.Path tmp = Location.temporaryFor(target);
        boolean published = false;
        try {
            loc.fs().mkdirs(target.getParent());
            loc.cleanDeadTemporaries(target.getParent(), target.getName());
            try (var stream = loc.outputFile(tmp).create(0);
                 BufferedWriter w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8))) {
                if (f == Format.CSV) {
                    Csv.write(w, columns, () -> rows.stream()
                            .map(r -> columns.stream().map(c -> r.get(c) == null ? "" : r.get(c).toString()).toList())
                            .iterator());
                } else {
                    for (Map<String, Object> r : rows) {
                        Map<String, Object> typed = new LinkedHashMap<>();
                        for (String c : columns) {
                            typed.put(c, typed(r.get(c)));
                        }
                        w.write(ONE_LINE.writeValueAsString(typed));
                        w.newLine();
                    }
                }
            }
            loc.publishReplace(tmp, target);
            published = true;
        } catch (IOException e) {
            throw Location.failure("Cannot write", target, e);
        } finally {
            if (!published) {
                loc.deleteQuietly(tmp);
            }
        }
    }

    /** Numbers read from text go back out as JSON numbers. */
    private static Object typed(Object v) {
        if (v instanceof String s && !s.isEmpty()) {
            if (s.matches("-?[0-9]{1,18}")) {
                return Long.parseLong(s);
            }
            if (s.matches("-?[0-9]*\\.[0-9]+([eE][-+]?[0-9]+)?")) {
                return Double.parseDouble(s);
            }
        }
        return v;
    }
}
