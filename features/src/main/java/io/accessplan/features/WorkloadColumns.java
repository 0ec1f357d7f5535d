package io.accessplan.features;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a {@link Workload} from named columns, the dataset's workload column names
 * ({@code family, layers, hidden, heads, kv_heads, ffn_hidden, vocab, seq_len, batch, precision,
 * optimizer, attention, device}). Used by sweep workload files and batch job files alike, so a
 * bad value gets the same message everywhere.
 */
public final class WorkloadColumns {
    /** The columns, in the dataset's order. */
    public static final List<String> NAMES = List.of("family", "layers", "hidden", "heads", "kv_heads", "ffn_hidden",
            "vocab", "seq_len", "batch", "precision", "optimizer", "attention", "device");

    /**
     * The optional job column that says how 16-bit precision keeps its weights ({@link MixedPrecision}:
     * {@code master}, the default, or {@code autocast}). Not a dataset column: the dataset's rows are all
     * {@code master}, and {@link #of} leaves it out for them.
     */
    public static final String MIXED_PRECISION = "mixed_precision";

    private WorkloadColumns() {
    }

    /**
     * Parses one row. Required: family, layers, hidden, seq_len, batch, device; the others take
     * the command line's defaults (fp16, adam, fused, family defaults for sizes, and the optional
     * {@link #MIXED_PRECISION} column's {@code master}).
     *
     * @throws IllegalArgumentException naming the field and value
     */
    public static Workload parse(Map<String, ?> row, DeviceCatalog catalog) {
        Family family = Family.parse(text(row, "family", null));
        ModelSpec m = ModelSpec.of(family, integer(row, "layers", null), integer(row, "hidden", null),
                optionalInt(row, "heads"), optionalInt(row, "kv_heads"), optionalInt(row, "ffn_hidden"),
                optionalInt(row, "vocab"));
        TrainingConfig t = new TrainingConfig(integer(row, "seq_len", null), integer(row, "batch", null),
                Precision.parse(text(row, "precision", "fp16")), OptimizerKind.parse(text(row, "optimizer", "adam")),
                AttentionKind.parse(text(row, "attention", "fused")),
                MixedPrecision.parse(text(row, MIXED_PRECISION, MixedPrecision.MASTER.id())));
        return new Workload(m, t, catalog.get(text(row, "device", null)));
    }

    /** The row of a workload, the inverse of {@link #parse}. */
    public static Map<String, Object> of(Workload w) {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("family", w.model().family().id());
        r.put("layers", w.model().layers());
        r.put("hidden", w.model().hidden());
        r.put("heads", w.model().heads());
        r.put("kv_heads", w.model().kvHeads());
        r.put("ffn_hidden", w.model().ffnHidden());
        r.put("vocab", w.model().vocab());
        r.put("seq_len", w.training().seqLen());
        r.put("batch", w.training().batch());
        r.put("precision", w.training().precision().id());
        r.put("optimizer", w.training().optimizer().id());
        r.put("attention", w.training().attention().id());
        r.put("device", w.device().name());
        if (w.training().mixedPrecision() != MixedPrecision.MASTER) {
            r.put(MIXED_PRECISION, w.training().mixedPrecision().id());
        }
        return r;
    }

    private static String text(Map<String, ?> row, String field, String dflt) {
        Object v = row.get(field);
        String s = v == null ? null : v.toString().trim();
        if (s == null || s.isEmpty()) {
            if (dflt == null) {
                throw new IllegalArgumentException("Missing " + field);
            }
            return dflt;
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private static Integer optionalInt(Map<String, ?> row, String field) {
        Object v = row.get(field);
        if (v == null || v.toString().isBlank()) {
            return null;
        }
        return integer(row, field, null);
    }

    private static int integer(Map<String, ?> row, String field, Integer dflt) {
        Object v = row.get(field);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        String s = v == null ? "" : v.toString().trim();
        if (s.isEmpty()) {
            if (dflt == null) {
                throw new IllegalArgumentException("Missing " + field);
            }
            return dflt;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            boolean integral = s.matches("[-+]?[0-9]+") || (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
            throw new IllegalArgumentException("Invalid " + field + ": " + s + (integral ? " (out of range)" : " (not an integer)"));
        }
    }
}
