package io.accessplan.collector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.accessplan.features.DeviceCatalog;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a table of named columns from a CSV file (header row, RFC 4180 quoting) or a JSONL file
 * (one JSON object a line). The format comes from the extension. Rows keep their columns in file
 * order, so a batch answer can carry a job's own columns through.
 */
public final class JobTable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One row and the line it came from (1-based; the header is line 1 in CSV). */
    public record Row(int line, Map<String, String> values) {
    }

    private JobTable() {
    }

    /** Whether the file's extension is one this reader takes. */
    public static boolean supports(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith(".csv") || p.endsWith(".jsonl") || p.endsWith(".ndjson");
    }

    /**
     * Reads every row.
     *
     * @throws IllegalArgumentException naming the file (unreadable, unknown extension, bad header)
     *                                  or the line (malformed JSON)
     */
    public static List<Row> read(Path file) {
        String name = file.toString();
        if (!supports(name)) {
            throw new IllegalArgumentException("Unsupported file: " + file + " (expected .csv or .jsonl)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable file: " + file + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
        }
        return name.toLowerCase(Locale.ROOT).endsWith(".csv") ? csv(file, lines) : jsonl(file, lines);
    }

    private static List<Row> csv(Path file, List<String> lines) {
        List<Row> out = new ArrayList<>();
        List<String> header = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> f = DeviceCatalog.splitCsv(line);
            if (header == null) {
                header = f.stream().map(s -> s.trim().toLowerCase(Locale.ROOT).replace('-', '_')).toList();
                continue;
            }
            if (f.size() != header.size()) {
                // keep what the row has (a job id, say) so an answer can still name the job
                Map<String, String> partial = new LinkedHashMap<>();
                for (int c = 0; c < Math.min(header.size(), f.size()); c++) {
                    partial.put(header.get(c), f.get(c).trim());
                }
                partial.put("__error__", "expected " + header.size() + " fields, got " + f.size());
                out.add(new Row(i + 1, partial));
                continue;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                m.put(header.get(c), f.get(c).trim());
            }
            out.add(new Row(i + 1, m));
        }
        if (header == null) {
            throw new IllegalArgumentException("Empty file: " + file + " (expected a header row)");
        }
        return out;
    }

    private static List<Row> jsonl(Path file, List<String> lines) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                if (!n.isObject()) {
                    out.add(new Row(i + 1, Map.of("__error__", "not a JSON object")));
                    continue;
                }
                Map<String, String> m = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    m.put(e.getKey().toLowerCase(Locale.ROOT).replace('-', '_'),
                            e.getValue().isNull() ? "" : e.getValue().asText());
                }
                out.add(new Row(i + 1, m));
            } catch (JsonProcessingException e) {
                out.add(new Row(i + 1, Map.of("__error__", "malformed JSON (" + e.getOriginalMessage() + ")")));
            }
        }
        return out;
    }

    /** The row's parse error, or null (a malformed line is kept as a row so batch can answer it). */
    public static String error(Row r) {
        return r.values().get("__error__");
    }
}
