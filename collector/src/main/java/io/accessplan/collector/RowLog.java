package io.accessplan.collector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;

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
 * measurement: the workload's columns, {@code strategy}, the measurement under the dataset's
 * column names, {@code detail} and {@code collected_at}. Each line is flushed as it is written, so
 * a killed writer loses at most the line it was writing; the reader skips such a torn last line
 * and counts it.
 */
public final class RowLog implements AutoCloseable {
    /** Format version written in the header. */
    public static final int VERSION = 1;
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
        Measurement m = r.measurement();
        ObjectNode row = JSON.createObjectNode();
        WorkloadColumns.of(r.workload()).forEach((k, v) -> row.set(k, JSON.valueToTree(v)));
        row.put("strategy", r.strategy().toString());
        row.put("backend", m.backend());
        row.put("repeats", m.repeats());
        putDouble(row, "step_time_ms", m.stepTimeMs());
        putDouble(row, "step_time_ms_stdev", m.stepTimeMsStdev());
        row.put("peak_memory_bytes", m.peakMemoryBytes());
        row.put("oom", m.oom());
        row.put("pcie_bytes", m.pcieBytes());
        row.put("hbm_bytes", m.hbmBytes());
        row.put("flops", m.flops());
        row.put("recompute_flops", m.recomputeFlops());
        row.put("detail", m.detail());
        row.put("collected_at", r.collectedAt().toString());
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
        if (header == null || header.path("rowlog").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("Not a row log: " + file + " (line 1 is not a version " + VERSION
                    + " header)");
        }
        Map<String, String> prov = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.path("provenance").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            prov.put(e.getKey(), e.getValue().asText());
        }
        DeviceProfile device = device(header.path("device"), file);
        DeviceCatalog catalog = DeviceCatalog.builtin().with(device);
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
                rows.add(row(n, catalog));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Bad row at line " + (i + 1) + " of " + file + ": " + e.getMessage(), e);
            }
        }
        return new Contents(Map.copyOf(prov), device, List.copyOf(rows), torn);
    }

    private static DatasetRow row(JsonNode n, DeviceCatalog catalog) {
        Map<String, Object> cols = new LinkedHashMap<>();
        for (String c : WorkloadColumns.NAMES) {
            JsonNode v = n.get(c);
            cols.put(c, v == null || v.isNull() ? null : v.asText());
        }
        Workload w = WorkloadColumns.parse(cols, catalog);
        Strategy s = Strategy.parse(required(n, "strategy").asText());
        Measurement m = new Measurement(required(n, "backend").asText(), required(n, "repeats").asInt(),
                number(n, "step_time_ms"), number(n, "step_time_ms_stdev"), required(n, "peak_memory_bytes").asLong(),
                required(n, "oom").asBoolean(), required(n, "pcie_bytes").asLong(), required(n, "hbm_bytes").asLong(),
                required(n, "flops").asDouble(), required(n, "recompute_flops").asDouble(), n.path("detail").asText(""));
        Instant at;
        try {
            at = Instant.parse(required(n, "collected_at").asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("Invalid collected_at: " + n.get("collected_at").asText());
        }
        return new DatasetRow(w, s, m, at);
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("Missing " + field);
        }
        return v;
    }

    /** A double that may be written as null (NaN: an oom or a failed run). */
    private static double number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    private static void putDouble(ObjectNode row, String field, double v) {
        if (Double.isFinite(v)) {
            row.put(field, v);
        } else {
            row.putNull(field);
        }
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
