package io.accessplan.collector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.DatasetSchema;
import io.accessplan.datasets.DatasetSchema.Column;
import io.accessplan.features.DeviceProfile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A measurement log in JSON lines: the light format a sweep writes where Hadoop and Parquet are
 * not wanted (a borrowed GPU box with a lean classpath), turned into a Parquet dataset later by
 * {@code accessplan import}. Line 1 is a header: {@code {"rowlog":1,"provenance":{..},"device":{..}}}
 * (the device profile every row ran on, with its measured numbers). Every further line is one
 * measurement, a JSON object of the dataset's columns ({@link DatasetSchema}, the one list of
 * them; nulls where a column is null). Version 1 logs, whose lines held the workload, strategy and
 * measurement columns only, read the device columns from the header. Each line is flushed as it
 * is written, so a killed writer loses at most the line it was writing; the reader skips such a
 * torn last line and counts it.
 */
public final class RowLog implements AutoCloseable {
    /** Format version written in the header (1: rows without the device columns; still read). */
    public static final int VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;

    private RowLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Creates a new log (refuses to overwrite one) and writes its header.
     *
     * @param file       where to write
     * @param provenance backend, card, settings
     * @param device     the device profile the rows run on
     */
    public static RowLog create(Path file, Map<String, String> provenance, DeviceProfile device) {
        try {
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            ObjectNode header = JSON.createObjectNode();
            header.put("rowlog", VERSION);
            header.set("provenance", JSON.valueToTree(new LinkedHashMap<>(provenance)));
            header.set("device", deviceNode(device));
            RowLog log = new RowLog(w);
            log.line(header);
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends one measurement and flushes it. */
    public synchronized void append(DatasetRow r) {
        ObjectNode row = JSON.createObjectNode();
        for (Column c : DatasetSchema.columns()) {
            Object v = c.valueOf(r);
            if (v == null) {
                row.putNull(c.name());
            } else if (v instanceof Instant || v instanceof String) {
                row.put(c.name(), v.toString());
            } else {
                row.set(c.name(), JSON.valueToTree(v));
            }
        }
        line(row);
    }

    private void line(JsonNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a log holds.
     *
     * @param provenance the header's provenance
     * @param device     the device profile of every row
     * @param rows       the measurements, in the order written
     * @param tornLines  lines that could not be read (at most the last one, after a killed writer)
     */
    public record Contents(Map<String, String> provenance, DeviceProfile device, List<DatasetRow> rows, int tornLines) {
    }

    /**
     * Reads a log. A line that is not valid JSON is counted as torn when it is the last one and
     * refused otherwise; a row whose fields are invalid is refused naming the line and the field.
     */
    public static Contents read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("Not a row log: " + file + " (empty)");
        }
        JsonNode header = parse(lines.get(0));
        int version = header == null ? -1 : header.path("rowlog").asInt(-1);
        if (version < 1 || version > VERSION) {
            throw new IllegalArgumentException("Not a row log: " + file + " (line 1 is not a version 1 to " + VERSION
                    + " header)");
        }
        Map<String, String> prov = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.path("provenance").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            prov.put(e.getKey(), e.getValue().asText());
        }
        JsonNode deviceNode = header.path("device");
        DeviceProfile device = device(deviceNode, file);
        List<DatasetRow> rows = new ArrayList<>();
        int torn = 0;
        for (int i = 1; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank()) {
                continue;
            }
            JsonNode n = parse(text);
            if (n == null) {
                if (i == lines.size() - 1) {
                    torn++;
                    continue;
                }
                throw new IllegalArgumentException("Bad row at line " + (i + 1) + " of " + file + ": not JSON");
            }
            try {
                rows.add(row(n, deviceNode));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Bad row at line " + (i + 1) + " of " + file + ": " + e.getMessage(), e);
            }
        }
        return new Contents(Map.copyOf(prov), device, List.copyOf(rows), torn);
    }

    /**
     * A row from a line: every column by its schema type; a {@code device_*} column a version 1
     * line lacks comes from the header's device (its fields are the column names without the
     * prefix).
     */
    private static DatasetRow row(JsonNode n, JsonNode headerDevice) {
        return DatasetSchema.toRow(c -> {
            JsonNode v = n.get(c.name());
            if (v == null && c.name().startsWith(DEVICE_PREFIX)) {
                v = headerDevice.get(c.name().substring(DEVICE_PREFIX.length()));
            }
            return v == null || v.isNull() ? null : value(c, v);
        });
    }

    private static final String DEVICE_PREFIX = "device_";

    /** A JSON value as its column type's Java value. */
    private static Object value(Column c, JsonNode v) {
        return switch (c.type()) {
            case STRING -> v.asText();
            case INT32 -> v.asInt();
            case INT64 -> v.asLong();
            case DOUBLE -> v.asDouble();
            case BOOLEAN -> v.asBoolean();
            case TIMESTAMP_MILLIS -> {
                try {
                    yield Instant.parse(v.asText());
                } catch (java.time.format.DateTimeParseException e) {
                    throw new IllegalArgumentException("Invalid " + c.name() + ": " + v.asText());
                }
            }
        };
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("Missing " + field);
        }
        return v;
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static ObjectNode deviceNode(DeviceProfile d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", d.name());
        n.put("memory_bytes", d.memoryBytes());
        n.put("mem_bandwidth_gbps", d.memBandwidthGBps());
        n.put("tensor_tflops_16", d.tensorTflops16());
        n.put("tf32_tflops", d.tf32Tflops());
        n.put("fp32_tflops", d.fp32Tflops());
        n.put("bf16", d.bf16());
        n.put("pcie_gen", d.pcieGen());
        n.put("h2d_gbps", d.h2dGBps());
        n.put("d2h_gbps", d.d2hGBps());
        n.put("gemm_table", d.gemmTable());
        n.put("source", d.source());
        return n;
    }

    private static DeviceProfile device(JsonNode n, Path file) {
        try {
            return new DeviceProfile(required(n, "name").asText(), required(n, "memory_bytes").asLong(),
                    required(n, "mem_bandwidth_gbps").asDouble(), required(n, "tensor_tflops_16").asDouble(),
                    required(n, "tf32_tflops").asDouble(), required(n, "fp32_tflops").asDouble(),
                    required(n, "bf16").asBoolean(), required(n, "pcie_gen").asInt(), required(n, "h2d_gbps").asDouble(),
                    required(n, "d2h_gbps").asDouble(), required(n, "gemm_table").asText(), n.path("source").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Bad device in the header of " + file + ": " + e.getMessage(), e);
        }
    }
}
