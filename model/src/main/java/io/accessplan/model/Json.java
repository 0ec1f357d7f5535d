package io.accessplan.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON of the model file's metadata, XGBoost's JSON model dump and the {@code evaluate --json}
 * output, through Jackson (RFC 8259). Values read are plain Java: objects as {@link LinkedHashMap},
 * arrays as {@link List}, every number as {@link Double}, and {@code true}, {@code false},
 * {@code null} as themselves; the callers check the types they need and name the field.
 */
public final class Json {
    /**
     * Duplicate keys are refused (a damaged file could otherwise override a field silently); the nesting
     * limit bounds a hostile file's recursion (XGBoost's dump nests a few levels only).
     */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    private static final ObjectWriter COMPACT = MAPPER.writer();
    /** Two-space indentation, {@code "key": value}, arrays on one line: the layout the model files always had. */
    private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withSeparators(com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)));

    private Json() {
    }

    /** Parses one JSON value; throws IllegalArgumentException with the line and column of a syntax error. */
    public static Object parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("Invalid JSON: null");
        }
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new IllegalArgumentException("Invalid JSON: no value");
            }
            return plain(n);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IllegalArgumentException("Invalid JSON" + (loc == null ? "" : " at line " + loc.getLineNr()
                    + ", column " + loc.getColumnNr()) + ": " + e.getOriginalMessage(), e);
        }
    }

    private static Object plain(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), plain(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            for (JsonNode c : n) {
                l.add(plain(c));
            }
            return l;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.isNull() ? null : n.asText();
    }

    /** Writes a value (Map, List, CharSequence, Number, Boolean, double[] or null) as compact JSON. */
    public static String write(Object v) {
        return write(COMPACT, v);
    }

    /** Writes a value as JSON indented by two spaces. */
    public static String writePretty(Object v) {
        return write(PRETTY, v);
    }

    private static String write(ObjectWriter w, Object v) {
        try {
            return w.writeValueAsString(writable(v));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The value as it is written: a non-finite number as null (JSON has none), an integral double
     * below 1e15 as a long ({@code 3}, not {@code 3.0}), arrays of doubles as lists, other objects as text.
     */
    private static Object writable(Object v) {
        if (v == null || v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof String) {
            return v;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), writable(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(Json::writable).toList();
        }
        if (v instanceof double[] a) {
            List<Object> out = new ArrayList<>(a.length);
            for (double d : a) {
                out.add(writable(d));
            }
            return out;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                return null;
            }
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
        }
        return v.toString();
    }
}
