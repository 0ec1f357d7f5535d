package io.accessplan.datasets;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one declaration of the dataset's columns: name, type, nullability, meaning, and how each
 * is taken from a {@link DatasetRow}. The Parquet schema ({@link ParquetColumns}), the writer, the
 * reader, the row log of a lean GPU machine and the README's table all follow from this list;
 * nothing else names a column. It needs no Parquet or Hadoop class, so a classpath without them
 * (the GPU kit's) can use it.
 *
 * <p>Long format: one row per (workload, strategy, backend) measurement. Every column is
 * required except {@code step_time_ms} and {@code step_time_ms_stdev}, which are null where the
 * run produced no time (out of memory or failed; {@code NaN} in {@link Measurement}), and
 * {@code policy_layers}, null where the policy has no layer count (keep, sqrt). NaN is
 * written as null rather than as a Parquet NaN so that SQL engines (DuckDB, Spark) skip it in
 * aggregates instead of propagating it.
 *
 * <p>Versions: 1 is the first; 2 adds {@code policy_layers}; 3 adds {@code energy_j}. A column has the version that added it
 * ({@link Column#since()}); a part written by an older version lacks it, and reads as null there.
 */
public final class DatasetSchema {

    /** Version of this schema, written to every part's footer under {@link #SCHEMA_VERSION_KEY}. */
    public static final String VERSION = "3";

    /**
     * The first version: its parts lack {@code policy_layers} (added in 2), which readers fill from the
     * strategy string, where it is derived from anyway, and {@code energy_j} (added in 3), read as null.
     */
    public static final String VERSION_1 = "1";

    /** Footer key of the schema version. */
    public static final String SCHEMA_VERSION_KEY = "accessplan.schema_version";

    /** Name of the Parquet message (the root group). */
    public static final String MESSAGE_NAME = "accessplan_measurement";

    /** The type of a column and the Java type of its values (in Parquet: {@link ParquetColumns}). */
    public enum Type {
        /** UTF-8 text; values are {@link String}. */
        STRING(String.class),
        /** 32-bit integer; values are {@link Integer}. */
        INT32(Integer.class),
        /** 64-bit integer; values are {@link Long}. */
        INT64(Long.class),
        /** IEEE double; values are {@link Double}. */
        DOUBLE(Double.class),
        /** Boolean; values are {@link Boolean}. */
        BOOLEAN(Boolean.class),
        /** An instant at millisecond resolution, UTC; values are {@link Instant}. */
        TIMESTAMP_MILLIS(Instant.class);

        private final Class<?> javaType;

        Type(Class<?> javaType) {
            this.javaType = javaType;
        }

        /** The Java class of this type's values in {@link Column#valueOf}. */
        public Class<?> javaType() {
            return javaType;
        }
    }

    /** One column: its name, type, nullability, meaning and how a row gives its value. */
    public static final class Column {
        private final String name;
        private final Type type;
        private final boolean nullable;
        private final String doc;
        private final Function<DatasetRow, Object> getter;
        private final int since;

        private Column(String name, Type type, boolean nullable, String doc, Function<DatasetRow, Object> getter,
                       int since) {
            this.name = name;
            this.type = type;
            this.nullable = nullable;
            this.doc = doc;
            this.getter = getter;
            this.since = since;
        }

        /** The schema version that added the column: parts of an older version lack it (read as null). */
        public int since() {
            return since;
        }

        /** The snake_case column name. */
        public String name() {
            return name;
        }

        /** The column type. */
        public Type type() {
            return type;
        }

        /** Whether the column may hold null (Parquet OPTIONAL); otherwise REQUIRED. */
        public boolean nullable() {
            return nullable;
        }

        /** What the column means, one line. */
        public String doc() {
            return doc;
        }

        /** This column's value in a row, of {@link Type#javaType()}; null only for a nullable column. */
        public Object valueOf(DatasetRow row) {
            Object v = getter.apply(row);
            if (v instanceof Double d && d.isNaN() && nullable) {
                return null;
            }
            return v;
        }

        /** Name, type and nullability, for messages. */
        @Override
        public String toString() {
            return name + " " + type + (nullable ? " (nullable)" : "");
        }
    }

    private static final List<Column> COLUMNS = new ArrayList<>();

    private static Column define(String name, Type type, String doc, Function<DatasetRow, Object> getter) {
        Column c = new Column(name, type, false, doc, getter, 1);
        COLUMNS.add(c);
        return c;
    }

    private static Column defineNullable(String name, Type type, String doc, Function<DatasetRow, Object> getter) {
        return defineNullable(name, type, doc, getter, 1);
    }

    /** A nullable column added by schema version {@code since}. */
    private static Column defineNullable(String name, Type type, String doc, Function<DatasetRow, Object> getter,
                                         int since) {
        Column c = new Column(name, type, true, doc, getter, since);
        COLUMNS.add(c);
        return c;
    }

    // Declaration order is the column order in every file.
    private static final Column WORKLOAD_ID = define("workload_id", Type.STRING,
            "stable FNV-1a 64 hash of the workload fields (Workload.id())", r -> r.workload().id());
    private static final Column ARCHITECTURE_ID = define("architecture_id", Type.STRING,
            "stable hash of the model fields alone; the grouping key for cross-validation",
            r -> r.workload().architectureId());
    private static final Column FAMILY = define("family", Type.STRING, "gpt, llama, bert or mlp",
            r -> r.workload().model().family().id());
    private static final Column LAYERS = define("layers", Type.INT32, "transformer (or linear) layers",
            r -> r.workload().model().layers());
    private static final Column HIDDEN = define("hidden", Type.INT32, "model width h",
            r -> r.workload().model().hidden());
    private static final Column HEADS = define("heads", Type.INT32, "attention heads (1 for mlp)",
            r -> r.workload().model().heads());
    private static final Column KV_HEADS = define("kv_heads", Type.INT32, "key/value heads (= heads unless llama GQA)",
            r -> r.workload().model().kvHeads());
    private static final Column FFN_HIDDEN = define("ffn_hidden", Type.INT32, "MLP inner width",
            r -> r.workload().model().ffnHidden());
    private static final Column VOCAB = define("vocab", Type.INT32, "vocabulary size (0 for mlp)",
            r -> r.workload().model().vocab());
    private static final Column SEQ_LEN = define("seq_len", Type.INT32, "tokens per sample",
            r -> r.workload().training().seqLen());
    private static final Column BATCH = define("batch", Type.INT32, "samples per optimizer step on one GPU",
            r -> r.workload().training().batch());
    private static final Column PRECISION = define("precision", Type.STRING, "fp32, fp16 or bf16 (16-bit = mixed)",
            r -> r.workload().training().precision().id());
    private static final Column OPTIMIZER = define("optimizer", Type.STRING, "adam or sgd",
            r -> r.workload().training().optimizer().id());
    private static final Column ATTENTION = define("attention", Type.STRING, "naive or fused",
            r -> r.workload().training().attention().id());
    private static final Column DEVICE = define("device", Type.STRING, "device catalog name, e.g. h100-sxm-80gb",
            r -> r.workload().device().name());
    private static final Column DEVICE_MEMORY_BYTES = define("device_memory_bytes", Type.INT64,
            "device memory capacity in bytes", r -> r.workload().device().memoryBytes());
    private static final Column DEVICE_MEM_BANDWIDTH_GBPS = define("device_mem_bandwidth_gbps", Type.DOUBLE,
            "device memory bandwidth, GB/s (spec sheet)", r -> r.workload().device().memBandwidthGBps());
    private static final Column DEVICE_TENSOR_TFLOPS_16 = define("device_tensor_tflops_16", Type.DOUBLE,
            "dense fp16/bf16 tensor-core peak, TFLOP/s", r -> r.workload().device().tensorTflops16());
    private static final Column DEVICE_TF32_TFLOPS = define("device_tf32_tflops", Type.DOUBLE,
            "dense TF32 tensor peak, TFLOP/s (0 where none)", r -> r.workload().device().tf32Tflops());
    private static final Column DEVICE_FP32_TFLOPS = define("device_fp32_tflops", Type.DOUBLE,
            "non-tensor fp32 peak, TFLOP/s", r -> r.workload().device().fp32Tflops());
    private static final Column DEVICE_BF16 = define("device_bf16", Type.BOOLEAN, "whether bf16 is native",
            r -> r.workload().device().bf16());
    private static final Column DEVICE_PCIE_GEN = define("device_pcie_gen", Type.INT32, "PCIe generation",
            r -> r.workload().device().pcieGen());
    private static final Column DEVICE_H2D_GBPS = define("device_h2d_gbps", Type.DOUBLE,
            "measured pinned host-to-device bandwidth, GB/s", r -> r.workload().device().h2dGBps());
    private static final Column DEVICE_D2H_GBPS = define("device_d2h_gbps", Type.DOUBLE,
            "measured pinned device-to-host bandwidth, GB/s", r -> r.workload().device().d2hGBps());
    private static final Column DEVICE_GEMM_TABLE = define("device_gemm_table", Type.STRING,
            "measured GEMM table calibrating the device (\"\" if none)", r -> r.workload().device().gemmTable());
    private static final Column PARAMETERS = define("parameters", Type.INT64,
            "model parameters at this seq_len (Workload.parameters())", r -> r.workload().parameters());
    private static final Column STRATEGY = define("strategy", Type.STRING, "strategy string, e.g. full+mb4",
            r -> r.strategy().toString());
    private static final Column ACTIVATION_POLICY = define("activation_policy", Type.STRING,
            "keep, selective, full, sqrt or offload", r -> r.strategy().policy().id());
    private static final Column MICRO_BATCHES = define("micro_batches", Type.INT32, "micro-batches: 1, 2, 4 or 8",
            r -> r.strategy().microBatches());
    private static final Column OPTIMIZER_OFFLOAD = define("optimizer_offload", Type.BOOLEAN,
            "whether optimizer state lives on the host", r -> r.strategy().optimizerOffload());
    private static final Column POLICY_LAYERS = defineNullable("policy_layers", Type.INT32,
            "layers the activation policy applies to (the first ones; layers for full alone); null for keep and"
                    + " sqrt (schema 2)", DatasetSchema::policyLayers, 2);
    private static final Column BACKEND = define("backend", Type.STRING,
            "sim (simulated, never a measurement) or cuda (measured)", r -> r.measurement().backend());
    private static final Column REPEATS = define("repeats", Type.INT32, "timed repeats behind the median",
            r -> r.measurement().repeats());
    private static final Column STEP_TIME_MS = defineNullable("step_time_ms", Type.DOUBLE,
            "median step time, ms; null when the run ran out of memory or failed", r -> r.measurement().stepTimeMs());
    private static final Column STEP_TIME_MS_STDEV = defineNullable("step_time_ms_stdev", Type.DOUBLE,
            "standard deviation of the step time over the repeats, ms; null where there is none",
            r -> r.measurement().stepTimeMsStdev());
    private static final Column PEAK_MEMORY_BYTES = define("peak_memory_bytes", Type.INT64,
            "peak device memory, bytes (the attempted peak when oom)", r -> r.measurement().peakMemoryBytes());
    private static final Column OOM = define("oom", Type.BOOLEAN, "whether the step ran out of device memory",
            r -> r.measurement().oom());
    private static final Column PCIE_BYTES = define("pcie_bytes", Type.INT64, "bytes moved host<->device per step",
            r -> r.measurement().pcieBytes());
    private static final Column HBM_BYTES = define("hbm_bytes", Type.INT64, "device-memory traffic of the kernels per step",
            r -> r.measurement().hbmBytes());
    private static final Column FLOPS = define("flops", Type.DOUBLE, "floating-point operations per step",
            r -> r.measurement().flops());
    private static final Column RECOMPUTE_FLOPS = define("recompute_flops", Type.DOUBLE,
            "of which recomputation", r -> r.measurement().recomputeFlops());
    private static final Column DETAIL = define("detail", Type.STRING,
            "backend detail: GEMM implementation (cuda) or the error of a failed run; \"\" if none",
            r -> r.measurement().detail());
    private static final Column COLLECTED_AT = define("collected_at", Type.TIMESTAMP_MILLIS,
            "when the measurement was taken (UTC, ms)", DatasetRow::collectedAt);
    private static final Column ENERGY_J = defineNullable("energy_j", Type.DOUBLE,
            "energy per step, J: the power model on sim, the device's energy counter on cuda; null where not measured",
            r -> r.measurement().energyJ(), 3);

    private static final List<Column> ALL = List.copyOf(COLUMNS);
    private static final Map<String, Column> BY_NAME = index(ALL);

    private DatasetSchema() {
    }

    /** Every column, in file order. */
    public static List<Column> columns() {
        return ALL;
    }

    /** The column names, in file order. */
    public static List<String> names() {
        return ALL.stream().map(Column::name).toList();
    }

    /** The column of a name; throws naming it where there is none. */
    public static Column column(String name) {
        Column c = BY_NAME.get(name);
        if (c == null) {
            throw new IllegalArgumentException("Unknown dataset column: " + name);
        }
        return c;
    }

    /**
     * Rebuilds a row from its column values, the inverse of {@link Column#valueOf}. The device is
     * rebuilt from the {@code device_*} columns with source {@value DatasetRow#DEVICE_SOURCE}; the
     * derived columns ({@code workload_id}, {@code architecture_id}, {@code parameters},
     * {@code activation_policy}, ...) are not read, since the row recomputes them.
     *
     * @param value gives the value of a column, of its {@link Type#javaType()}, or null
     */
    public static DatasetRow toRow(Function<Column, Object> value) {
        ModelSpec model = new ModelSpec(Family.parse(str(value, FAMILY)), i32(value, LAYERS), i32(value, HIDDEN),
                i32(value, HEADS), i32(value, KV_HEADS), i32(value, FFN_HIDDEN), i32(value, VOCAB));
        TrainingConfig training = new TrainingConfig(i32(value, SEQ_LEN), i32(value, BATCH),
                Precision.parse(str(value, PRECISION)), OptimizerKind.parse(str(value, OPTIMIZER)),
                AttentionKind.parse(str(value, ATTENTION)));
        DeviceProfile device = new DeviceProfile(str(value, DEVICE), i64(value, DEVICE_MEMORY_BYTES),
                f64(value, DEVICE_MEM_BANDWIDTH_GBPS), f64(value, DEVICE_TENSOR_TFLOPS_16),
                f64(value, DEVICE_TF32_TFLOPS), f64(value, DEVICE_FP32_TFLOPS), bool(value, DEVICE_BF16),
                i32(value, DEVICE_PCIE_GEN), f64(value, DEVICE_H2D_GBPS), f64(value, DEVICE_D2H_GBPS),
                str(value, DEVICE_GEMM_TABLE), DatasetRow.DEVICE_SOURCE);
        Measurement measurement = new Measurement(str(value, BACKEND), i32(value, REPEATS), f64(value, STEP_TIME_MS),
                f64(value, STEP_TIME_MS_STDEV), i64(value, PEAK_MEMORY_BYTES), bool(value, OOM),
                i64(value, PCIE_BYTES), i64(value, HBM_BYTES), f64(value, FLOPS), f64(value, RECOMPUTE_FLOPS),
                str(value, DETAIL), f64(value, ENERGY_J));
        return new DatasetRow(new Workload(model, training, device), Strategy.parse(str(value, STRATEGY)),
                measurement, (Instant) required(value, COLLECTED_AT));
    }

    /** Longest step a row may record: a day (a training step of any model here is seconds at most). */
    public static final double MAX_STEP_TIME_MS = 86_400_000.0;

    /** Most bytes a row may record as a peak, traffic or device memory: 2^50 (a pebibyte). */
    public static final long MAX_BYTES = 1L << 50;

    /** Most floating-point operations a row may record for one step: 1e21 (a zettaFLOP). */
    public static final double MAX_FLOPS = 1e21;

    /** Most energy a row may record for one step: 1e9 J (a step of a day at ~11 kW). */
    public static final double MAX_ENERGY_J = 1e9;

    /** Earliest {@code collected_at} a row may have: 2020-01-01 (before the project's first sweep). */
    static final Instant EARLIEST = Instant.parse("2020-01-01T00:00:00Z");

    /**
     * Checks a row's measured values against what the schema allows, beyond what the records check:
     * finite, non-negative, a step time for every run that did not fail, a peak within the device's
     * memory for every run that fitted, and each quantity below a physical bound. A damaged file that
     * still decodes (a flipped bit in a value) gives a row that fails here.
     *
     * @throws IllegalArgumentException naming the column and the value
     */
    static void checkValues(DatasetRow row) {
        Measurement m = row.measurement();
        boolean failed = m.oom() || !m.detail().isEmpty() && Double.isNaN(m.stepTimeMs());
        double t = m.stepTimeMs();
        if (Double.isNaN(t) ? !failed : !(t > 0 && t <= MAX_STEP_TIME_MS)) {
            throw bad(STEP_TIME_MS, t, "a time in (0, " + MAX_STEP_TIME_MS + "] ms for a run that did not fail");
        }
        double sd = m.stepTimeMsStdev();
        if (!Double.isNaN(sd) && !(sd >= 0 && sd <= MAX_STEP_TIME_MS)) {
            throw bad(STEP_TIME_MS_STDEV, sd, "in [0, " + MAX_STEP_TIME_MS + "]");
        }
        long capacity = row.workload().device().memoryBytes();
        if (capacity > MAX_BYTES) {
            throw bad(DEVICE_MEMORY_BYTES, capacity, "at most " + MAX_BYTES);
        }
        bytes(PEAK_MEMORY_BYTES, m.peakMemoryBytes());
        if (!m.oom() && m.peakMemoryBytes() > capacity) {
            throw bad(PEAK_MEMORY_BYTES, m.peakMemoryBytes(), "at most device_memory_bytes " + capacity + " where oom is false");
        }
        bytes(PCIE_BYTES, m.pcieBytes());
        bytes(HBM_BYTES, m.hbmBytes());
        if (!(m.flops() >= 0 && m.flops() <= MAX_FLOPS)) {
            throw bad(FLOPS, m.flops(), "in [0, " + MAX_FLOPS + "]");
        }
        if (!(m.recomputeFlops() >= 0 && m.recomputeFlops() <= m.flops())) {
            throw bad(RECOMPUTE_FLOPS, m.recomputeFlops(), "in [0, flops " + m.flops() + "]");
        }
        double e = m.energyJ();
        if (!Double.isNaN(e) && !(e >= 0 && e <= MAX_ENERGY_J)) {
            throw bad(ENERGY_J, e, "in [0, " + MAX_ENERGY_J + "] J");
        }
        if (m.repeats() > 1_000_000) {
            throw bad(REPEATS, m.repeats(), "at most 1000000");
        }
        Instant at = row.collectedAt();
        if (at.isBefore(EARLIEST) || at.isAfter(Instant.now().plusSeconds(86_400))) {
            throw bad(COLLECTED_AT, at, "between " + EARLIEST + " and tomorrow");
        }
    }

    private static void bytes(Column c, long v) {
        if (v < 0 || v > MAX_BYTES) {
            throw bad(c, v, "in [0, " + MAX_BYTES + "] bytes");
        }
    }

    private static IllegalArgumentException bad(Column c, Object v, String expected) {
        return new IllegalArgumentException("Invalid " + c.name() + ": " + v + " (expected " + expected + ")");
    }

    /** The applied layer count of a row's partial-capable policy, or null (keep, sqrt). */
    private static Object policyLayers(DatasetRow r) {
        Strategy s = r.strategy();
        return s.policy().partial() ? s.appliedLayers(r.workload().model().layers()) : null;
    }

    private static Object required(Function<Column, Object> value, Column c) {
        Object v = value.apply(c);
        if (v == null && !c.nullable()) {
            throw new IllegalArgumentException("Missing value of required column " + c.name());
        }
        return v;
    }

    private static String str(Function<Column, Object> value, Column c) {
        return (String) required(value, c);
    }

    private static int i32(Function<Column, Object> value, Column c) {
        return (Integer) required(value, c);
    }

    private static long i64(Function<Column, Object> value, Column c) {
        return (Long) required(value, c);
    }

    private static boolean bool(Function<Column, Object> value, Column c) {
        return (Boolean) required(value, c);
    }

    private static double f64(Function<Column, Object> value, Column c) {
        Object v = required(value, c);
        return v == null ? Double.NaN : (Double) v;
    }

    private static Map<String, Column> index(List<Column> columns) {
        Map<String, Column> m = new LinkedHashMap<>();
        for (Column c : columns) {
            if (m.put(c.name(), c) != null) {
                throw new IllegalStateException("Duplicate dataset column: " + c.name());
            }
        }
        return Map.copyOf(m);
    }
}
