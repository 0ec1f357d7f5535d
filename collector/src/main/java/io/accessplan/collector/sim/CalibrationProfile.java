package io.accessplan.collector.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.accessplan.features.DeviceProfile;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A card's calibrated simulator: the fitted {@link SimParameters} with their uncertainty and
 * provenance, as a versioned JSON file ({@link #FORMAT}, {@link #VERSION}).
 *
 * <p>A profile belongs to one card ({@link #cardOf}: {@link DeviceProfile#card()}: the device
 * name without the {@code -cap<N>gib} suffix of a memory-capped run), and is refused for any other device. It
 * records which rows and architectures it was fitted on, which were held out of the fit (and the
 * error there), and each parameter's value, default, log-space standard error, whether it was
 * fitted at all, and, where it was not, where its value comes from ({@link Parameter#source}).
 *
 * @param card          the card, e.g. {@code nvidia-h200}
 * @param devices       the device profiles of the fitted rows (the card, under memory caps), as
 *                      they recorded them: what a sweep of the twin runs on
 * @param createdAt     ISO-8601 instant of the fit
 * @param data          the datasets the rows came from
 * @param rows          rows fitted
 * @param architectures architecture ids fitted on
 * @param heldOut       architecture ids held out of the fit
 * @param table         every parameter, fitted or default
 * @param fitError      error summary on the fitted rows
 * @param heldOutError  error summary on the held-out rows (empty when none were held out)
 */
public record CalibrationProfile(String card, List<DeviceProfile> devices, String createdAt, List<String> data, int rows,
                                 List<String> architectures, List<String> heldOut,
                                 Map<SimParameters.Name, Parameter> table, Map<String, Double> fitError,
                                 Map<String, Double> heldOutError) {
    /** The file's format tag. */
    public static final String FORMAT = "accessplan-sim-profile";
    /** The file version this code writes and reads. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@link Parameter#source} of a parameter the fit moved. */
    public static final String SOURCE_FITTED = "fitted";
    /** {@link Parameter#source} of a parameter no row exercised, kept at the simulator's default. */
    public static final String SOURCE_DEFAULT = "default";
    /**
     * Prefix of the {@link Parameter#source} of a parameter no fitted row exercised whose value
     * comes from elsewhere: the profile given as the fit's prior ({@code prior: <file>}) or a host
     * microbenchmark ({@code host-benchmark: <what was measured, where, and how it was scaled>}).
     */
    public static final String SOURCE_PRIOR = "prior: ";
    /** Prefix of the {@link Parameter#source} of a value taken from a host microbenchmark. */
    public static final String SOURCE_HOST_BENCHMARK = "host-benchmark: ";

    /**
     * One parameter of the profile.
     *
     * @param value     the value the simulator takes
     * @param logStderr standard error of its log (NaN when not fitted or not determined)
     * @param fitted    whether rows exercised it and the fit moved it
     * @param source    where the value comes from: {@link #SOURCE_FITTED}, {@link #SOURCE_DEFAULT},
     *                  or a {@link #SOURCE_PRIOR} or {@link #SOURCE_HOST_BENCHMARK} line saying from what
     */
    public record Parameter(double value, double logStderr, boolean fitted, String source) {
        /** Validates the source: a fitted parameter is {@link #SOURCE_FITTED}, any other says where it came from. */
        public Parameter {
            if (source == null || source.isBlank()) {
                source = fitted ? SOURCE_FITTED : SOURCE_DEFAULT;
            }
            if (fitted != source.equals(SOURCE_FITTED)) {
                throw new IllegalArgumentException("source '" + source + "' of a " + (fitted ? "" : "not ")
                        + "fitted parameter");
            }
        }

        /** A parameter that is fitted, or else kept at the simulator's default. */
        public Parameter(double value, double logStderr, boolean fitted) {
            this(value, logStderr, fitted, null);
        }
    }

    /** Validates every field. */
    public CalibrationProfile {
        if (card == null || card.isBlank()) {
            throw new IllegalArgumentException("Invalid card: '" + card + "'");
        }
        if (rows <= 0) {
            throw new IllegalArgumentException("Invalid rows: " + rows + " (must be > 0)");
        }
        devices = List.copyOf(devices);
        for (DeviceProfile d : devices) {
            if (!card.equals(cardOf(d))) {
                throw new IllegalArgumentException("device " + d.name() + " is not of card " + card);
            }
        }
        data = List.copyOf(data);
        architectures = List.copyOf(architectures);
        heldOut = List.copyOf(heldOut);
        Map<SimParameters.Name, Parameter> p = new LinkedHashMap<>();
        for (SimParameters.Name n : SimParameters.Name.values()) {
            Parameter v = table.get(n);
            if (v == null) {
                throw new IllegalArgumentException("Missing parameter: " + n.key());
            }
            p.put(n, v);
        }
        table = java.util.Collections.unmodifiableMap(p);
        new SimParameters(values(table));   // validates each value
        fitError = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fitError));
        heldOutError = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(heldOutError));
    }

    private static double[] values(Map<SimParameters.Name, Parameter> p) {
        double[] v = new double[SimParameters.Name.values().length];
        for (SimParameters.Name n : SimParameters.Name.values()) {
            v[n.ordinal()] = p.get(n).value();
        }
        return v;
    }

    /** The simulator parameters of this card. */
    public SimParameters parameters() {
        return new SimParameters(values(table));
    }

    /** The card a device profile is ({@link DeviceProfile#card()}). */
    public static String cardOf(DeviceProfile d) {
        return d.card();
    }

    /** Whether this profile is for the device's card. */
    public boolean covers(DeviceProfile d) {
        return card.equals(cardOf(d));
    }

    /** Refuses a device of another card with a one-line message. */
    public void requireCard(DeviceProfile d) {
        if (!covers(d)) {
            throw new IllegalArgumentException("Profile is for card " + card + ", not for device " + d.name());
        }
    }

    /** The prefix of the {@link #data} entry that records a profile's transfer from another card. */
    public static final String TRANSFERRED_FROM = "transferred-from:";

    /**
     * This profile's fitted parameters on other devices of the same engine: the same card under
     * other memory caps, or another card that ran the same engine (the same kind of GEMM table:
     * the engine's measured rates, {@code measured:cuda}). Every parameter keeps its value,
     * standard error and fitted flag, and the simulator takes the target's own peaks: the
     * per-kernel-class parameters are fractions of a device's peaks and of its GEMM curve (GEMM
     * efficiency and fill, the bandwidth fraction of each memory-bound class, the copy rate), so
     * they are what carries over between cards of one engine, and the peaks are the card's. The
     * host optimizer's throughput and fixed cost carry over too, as the host's: the nearest
     * estimate there is without rows of the target's host.
     *
     * <p>Measured on the shipped cards, each row replayed without noise on its own device profile
     * (MAPE of step time, geometric mean of measured / simulated):
     * <pre>
     *   rows (completed)      simulator as written   H200's profile     H100's profile
     *   H100's 202            41.6%  1.868           13.6%  0.994       5.0%  1.018 (its own fit)
     *   H200's 616            62.9%  3.084           6.9%   1.007 (own)  15.3%  1.025 (fitted with the
     *                                                                   H200 prior; 16.4% 0.999 without)
     * </pre>
     * (the shipped profiles, replayed on commit 1e5df2f)
     * (The candidate refits in each card's {@code provenance/candidate-sim-profile.json} give 13.5% and
     * 0.994 for the H100's rows on the H200's, 4.8% and 1.011 on its own, 6.6% and 0.991 for the
     * H200's rows on its own, and 14.3% and 1.051 on the H100's, whose prior is the H200's rows but
     * one architecture's.)
     * So the fitted efficiencies carry most of the way between the two Hopper cards of this engine.
     *
     * <p>The profile's provenance ({@link #architectures}, {@link #heldOut}, the errors) stays the
     * fit's; a transfer to another card appends {@link #TRANSFERRED_FROM}{@code <fitted card>} to {@link #data}
     * (and a transfer back removes it).
     *
     * @param target the devices, all of one card
     * @throws IllegalArgumentException in one line naming the device, if a device is of another
     *                                  engine (another GEMM table kind or 16-bit support) or the
     *                                  devices are of several cards
     */
    public CalibrationProfile appliedTo(List<DeviceProfile> target) {
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("Invalid target devices: none given");
        }
        String to = cardOf(target.get(0));
        DeviceProfile engine = devices.isEmpty() ? null : devices.get(0);
        for (DeviceProfile d : target) {
            if (!to.equals(cardOf(d))) {
                throw new IllegalArgumentException("Invalid target devices: " + d.name() + " is not of card " + to);
            }
            if (engine != null && (!engine.gemmTable().equals(d.gemmTable()) || engine.bf16() != d.bf16())) {
                throw new IllegalArgumentException("Profile of card " + card + " (engine '" + engine.gemmTable()
                        + "', bf16 " + engine.bf16() + ") cannot be applied to device " + d.name() + " (engine '"
                        + d.gemmTable() + "', bf16 " + d.bf16() + "): its parameters are fractions of another"
                        + " engine's rates");
            }
        }
        String fitted = fittedCard();
        List<String> from = new ArrayList<>(data);
        from.removeIf(s -> s.startsWith(TRANSFERRED_FROM));
        if (!to.equals(fitted)) {
            from.add(TRANSFERRED_FROM + fitted);   // back on the fitted card, the profile is the fit's again
        }
        return new CalibrationProfile(to, target, createdAt, from, rows, architectures, heldOut, table, fitError,
                heldOutError);
    }

    /** The card whose rows this profile was fitted on: {@link #card} unless it was transferred ({@link #appliedTo}). */
    public String fittedCard() {
        return data.stream().filter(s -> s.startsWith(TRANSFERRED_FROM)).map(s -> s.substring(TRANSFERRED_FROM.length()))
                .findFirst().orElse(card);
    }

    /** The JSON text of this profile. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("version", VERSION);
        o.put("card", card);
        o.put("created_at", createdAt);
        ArrayNode ds = o.putArray("devices");
        for (DeviceProfile d : devices) {
            ObjectNode x = ds.addObject();
            x.put("name", d.name());
            x.put("memory_bytes", d.memoryBytes());
            x.put("mem_bandwidth_gbps", d.memBandwidthGBps());
            x.put("tensor_tflops_16", d.tensorTflops16());
            x.put("tf32_tflops", d.tf32Tflops());
            x.put("fp32_tflops", d.fp32Tflops());
            x.put("bf16", d.bf16());
            x.put("pcie_gen", d.pcieGen());
            x.put("h2d_gbps", d.h2dGBps());
            x.put("d2h_gbps", d.d2hGBps());
            x.put("gemm_table", d.gemmTable());
            x.put("source", d.source());
        }
        strings(o.putArray("data"), data);
        o.put("rows", rows);
        strings(o.putArray("architectures"), architectures);
        strings(o.putArray("held_out_architectures"), heldOut);
        ObjectNode ps = o.putObject("parameters");
        table.forEach((n, p) -> {
            ObjectNode x = ps.putObject(n.key());
            x.put("value", p.value());
            x.put("default", n.defaultValue());
            if (Double.isFinite(p.logStderr())) {
                x.put("log_stderr", p.logStderr());
                x.put("stderr", p.value() * p.logStderr());   // delta method: se(v) = v se(log v)
            } else {
                x.putNull("log_stderr");
            }
            x.put("fitted", p.fitted());
            x.put("source", p.source());
        });
        doubles(o.putObject("fit_error"), fitError);
        doubles(o.putObject("held_out_error"), heldOutError);
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the profile aside, then renames it into place: never a half-written file. */
    public void save(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, toJson());
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a profile file.
     *
     * @throws IllegalArgumentException naming the file and the problem, in one line, for a file
     *                                  that is not a valid profile of this version
     * @throws IOException              when the file cannot be read
     */
    public static CalibrationProfile load(Path file) throws IOException {
        String text = Files.readString(file);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Bad profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the JSON text of a profile. */
    public static CalibrationProfile parse(String text) {
        JsonNode o;
        try {
            o = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            throw new IllegalArgumentException("not JSON (" + (m == null ? "" : m.split("\n")[0]) + ")");
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!FORMAT.equals(o.path("format").asText(null))) {
            throw new IllegalArgumentException("format is '" + o.path("format").asText("") + "', not " + FORMAT);
        }
        if (!o.path("version").isInt() || o.path("version").asInt() != VERSION) {
            throw new IllegalArgumentException("unsupported version " + o.path("version") + " (this tool reads "
                    + VERSION + ")");
        }
        JsonNode ps = o.path("parameters");
        if (!ps.isObject()) {
            throw new IllegalArgumentException("no parameters object");
        }
        Map<SimParameters.Name, Parameter> params = new LinkedHashMap<>();
        for (Iterator<String> it = ps.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            SimParameters.Name n = SimParameters.Name.byKey(k);
            if (n == null) {
                throw new IllegalArgumentException("unknown parameter " + k);
            }
            JsonNode p = ps.get(k);
            if (!p.path("value").isNumber()) {
                throw new IllegalArgumentException("parameter " + k + " has no numeric value");
            }
            JsonNode se = p.path("log_stderr");
            JsonNode src = p.path("source");   // absent in a profile from before sources: fitted or default
            if (!src.isMissingNode() && !src.isTextual()) {
                throw new IllegalArgumentException("parameter " + k + " has a source that is not text");
            }
            try {
                params.put(n, new Parameter(p.get("value").asDouble(), se.isNumber() ? se.asDouble() : Double.NaN,
                        p.path("fitted").asBoolean(false), src.isTextual() ? src.asText() : null));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("parameter " + k + ": " + e.getMessage());
            }
        }
        for (SimParameters.Name n : SimParameters.Name.values()) {
            if (n.optional() && !params.containsKey(n)) {   // a profile from before the parameter: the simulator as written
                params.put(n, new Parameter(n.defaultValue(), Double.NaN, false, SOURCE_DEFAULT));
            }
        }
        List<DeviceProfile> devices = new ArrayList<>();
        for (JsonNode d : o.path("devices")) {
            for (String f : List.of("memory_bytes", "mem_bandwidth_gbps", "tensor_tflops_16", "tf32_tflops",
                    "fp32_tflops", "h2d_gbps", "d2h_gbps")) {
                if (!d.path(f).isNumber()) {
                    throw new IllegalArgumentException("device " + d.path("name").asText("?") + " has no numeric " + f);
                }
            }
            devices.add(new DeviceProfile(d.path("name").asText(""), d.get("memory_bytes").asLong(),
                    d.get("mem_bandwidth_gbps").asDouble(), d.get("tensor_tflops_16").asDouble(),
                    d.get("tf32_tflops").asDouble(), d.get("fp32_tflops").asDouble(), d.path("bf16").asBoolean(true),
                    d.path("pcie_gen").asInt(0), d.get("h2d_gbps").asDouble(), d.get("d2h_gbps").asDouble(),
                    d.path("gemm_table").asText(""), d.path("source").asText("")));
        }
        return new CalibrationProfile(o.path("card").asText(""), devices,
                o.path("created_at").asText(""), strings(o.path("data")), o.path("rows").asInt(0),
                strings(o.path("architectures")), strings(o.path("held_out_architectures")), params,
                doubles(o.path("fit_error")), doubles(o.path("held_out_error")));
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void doubles(ObjectNode o, Map<String, Double> values) {
        values.forEach(o::put);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a.isArray()) {
            a.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    private static Map<String, Double> doubles(JsonNode o) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (o.isObject()) {
            o.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        }
        return out;
    }
}
