package io.accessplan.features.encode;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.MemoryCategory;
import io.accessplan.features.plan.Plan;

import io.accessplan.features.plan.StepEstimate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Encodes a (workload, strategy) pair as a fixed vector of named numeric features. This is the
 * only code in accessplan that builds features: training encodes dataset rows with it, serving
 * encodes lookups with it, and a model file records the layout's {@link #version()} and
 * {@link #names()} so that a model is never fed features of another layout: it is served by the
 * encoder of its version ({@link #of}), new models get {@link #SCHEMA_VERSION}.
 *
 * <p>The vector has six parts, in this order:
 * <ol>
 *   <li>raw fields: log2 of every size (layers, widths, heads, vocabulary, sequence, batch,
 *       micro-batches and the micro-batch size), the optimizer-offload flag;</li>
 *   <li>one-hot categories: family, precision, optimizer, attention, activation policy;</li>
 *   <li>device fields: log2 of capacity, bandwidths and peak rates, PCIe generation;</li>
 *   <li>the planner's analytic quantities from {@link Plan}: log2 of parameters, FLOPs,
 *       activation, peak, model-state, traffic and host bytes, the recompute fraction, analytic
 *       peak / capacity, arithmetic intensity (version 4 only: a guessed op count), and the {@link Roofline} times (compute, memory,
 *       PCIe, their maximum, and PCIe time / compute time);</li>
 *   <li>the kernel-level {@link StepEstimate}: its total, compute and launch-bound parts, GEMM
 *       share and shape, activation copies, the serial optimizer offload;</li>
 *   <li>the make-up of the analytic peak: stored activations, transient working set and model
 *       state at the peak, and the headroom to the device's capacity.</li>
 * </ol>
 * Sizes enter as log2 because step time and memory scale multiplicatively with them, so a tree
 * split or a linear weight on a log feature generalises across model sizes it never saw.
 *
 * <p>Immutable and thread-safe. The analytic quantities come from {@link Analysis}, the
 * planner's closed-form estimates (no schedule is built); callers that already hold the analysis
 * use {@link #encode(Analysis)}, and {@link Analysis#all} analyses a workload's strategies at once.
 */
public final class FeatureEncoder {
    /**
     * Version of the feature layout newly trained models get. Bump it whenever a feature is added,
     * removed, reordered or computed differently, and keep the older layout readable for the model
     * files that record it ({@link #of}): a version this build does not know is refused at load.
     *
     * <p>Version 5 drops version 4's {@code log2_ops_per_step}, a guess at the schedule's length
     * ({@link #guessedOps}); the real count of kernels a step launches is {@code log2_kernels_per_step}
     * ({@link StepEstimate#kernels()}), in both versions.
     */
    public static final int SCHEMA_VERSION = 5;

    /** The layout of model files written before {@link #SCHEMA_VERSION} 5, still served as written. */
    public static final int SCHEMA_VERSION_4 = 4;

    private static final FeatureEncoder V4 = new FeatureEncoder(SCHEMA_VERSION_4);
    private static final FeatureEncoder V5 = new FeatureEncoder(SCHEMA_VERSION);

    private final int version;
    private final List<String> names;

    /** Creates the encoder of {@link #SCHEMA_VERSION} (stateless; instances are interchangeable). */
    public FeatureEncoder() {
        this(SCHEMA_VERSION);
    }

    private FeatureEncoder(int version) {
        this.version = version;
        this.names = buildNames(version);
    }

    /**
     * The encoder of a feature layout version a model file records; throws a one-line
     * IllegalArgumentException for a version this build does not encode.
     */
    public static FeatureEncoder of(int version) {
        return switch (version) {
            case SCHEMA_VERSION_4 -> V4;
            case SCHEMA_VERSION -> V5;
            default -> throw new IllegalArgumentException("feature schema version " + version
                    + " is not one this build encodes (" + SCHEMA_VERSION_4 + " or " + SCHEMA_VERSION + ")");
        };
    }

    /** Whether this build encodes a feature layout version ({@link #of} accepts it). */
    public static boolean encodes(int version) {
        return version == SCHEMA_VERSION_4 || version == SCHEMA_VERSION;
    }

    /**
     * {@link #SCHEMA_VERSION} read at run time: code in other modules calls this rather than
     * reading the constant, which javac would inline into their classes at compile time.
     */
    public static int schemaVersion() {
        return SCHEMA_VERSION;
    }

    /** The feature layout version this encoder writes. */
    public int version() {
        return version;
    }

    /** The feature names, in vector order (snake_case, stable across runs). */
    public List<String> names() {
        return names;
    }

    /** Number of features. */
    public int width() {
        return names.size();
    }

    /** Analyses the strategy for the workload and encodes the pair; throws if the strategy is not a candidate. */
    public double[] encode(Workload w, Strategy s) {
        return encode(Analysis.of(w, s));
    }

    /** Encodes the pair an analysis was made for. */
    public double[] encode(Analysis a) {
        double[] x = new double[names.size()];
        encodeInto(a, x, 0);
        return x;
    }

    /** Writes the features of an analysis into {@code out[offset, offset + width())}. */
    public void encodeInto(Analysis a, double[] out, int offset) {
        Workload w = a.plan().workload();
        encodeWorkload(w.model(), w.training(), w.device(), out, offset);
        encodeStrategy(a, out, offset, null, null);
    }

    /**
     * Encodes several analyses of one workload: {@code out[i]} gets what
     * {@link #encodeInto encodeInto(as.get(i), out[i], 0)} writes. The features that do not
     * depend on the strategy (the workload's raw fields but the micro-batch ones, its categories
     * but the policy, the device) are computed for the first analysis and copied to the others.
     */
    public void encodeAll(List<Analysis> as, double[][] out) {
        // the inputs of the previous row's logarithms: an input equal to the previous row's
        // (strategies of a workload share many plan quantities) takes its logarithm from that row
        double[] inputs = new double[names.size()];
        for (int k = 0; k < as.size(); k++) {
            Analysis a = as.get(k);
            if (k == 0) {
                Workload w = a.plan().workload();
                encodeWorkload(w.model(), w.training(), w.device(), out[0], 0);
                encodeStrategy(a, out[0], 0, inputs, null);
                continue;
            }
            Workload first = as.get(0).plan().workload();
            if (a.plan().workload() != first && !a.plan().workload().equals(first)) {
                throw new IllegalArgumentException("encodeAll takes analyses of one workload: "
                        + a.plan().workload().canonical() + " after " + first.canonical());
            }
            for (int r = 0; r < WORKLOAD_RANGES.length; r += 2) {
                System.arraycopy(out[0], WORKLOAD_RANGES[r], out[k], WORKLOAD_RANGES[r],
                        WORKLOAD_RANGES[r + 1] - WORKLOAD_RANGES[r]);
            }
            encodeStrategy(a, out[k], 0, inputs, out[k - 1]);
        }
    }

    /**
     * The strategy-independent features' positions, as [from, to) pairs: the first eight raw
     * fields; family, precision, optimizer and attention; the device.
     */
    static final int[] WORKLOAD_RANGES = workloadRanges();

    private static int[] workloadRanges() {
        int cats = Family.values().length + Precision.values().length + OptimizerKind.values().length
                + AttentionKind.values().length;
        int policy = RAW + cats;
        int device = policy + ActivationPolicy.values().length;
        return new int[]{0, RAW_WORKLOAD, RAW, RAW + cats, device, device + DEVICE};
    }

    /** Raw fields, of which the first {@link #RAW_WORKLOAD} are the workload's; device fields. */
    private static final int RAW = 12;
    private static final int RAW_WORKLOAD = 8;
    private static final int DEVICE = 6;

    /** The features at {@link #WORKLOAD_RANGES}. */
    private static void encodeWorkload(ModelSpec m, TrainingConfig t, DeviceProfile d, double[] out, int offset) {
        int i = offset;
        // 1. raw fields (the workload's)
        out[i++] = log2(m.layers());
        out[i++] = log2(m.hidden());
        out[i++] = log2(m.heads());
        out[i++] = log2(m.kvHeads());
        out[i++] = log2(m.ffnHidden());
        out[i++] = log2(m.vocab() + 1.0);
        out[i++] = log2(t.seqLen());
        out[i++] = log2(t.batch());
        // 2. one-hot categories, in enum order (the policy's is the strategy's)
        i = offset + RAW;
        i = oneHot(out, i, m.family().ordinal(), Family.values().length);
        i = oneHot(out, i, t.precision().ordinal(), Precision.values().length);
        i = oneHot(out, i, t.optimizer().ordinal(), OptimizerKind.values().length);
        i = oneHot(out, i, t.attention().ordinal(), AttentionKind.values().length);
        // 3. device
        i += ActivationPolicy.values().length;
        out[i++] = log2(d.memoryBytes());
        out[i++] = log2(d.memBandwidthGBps());
        out[i++] = log2(d.peakTflops(t.precision()));
        out[i++] = log2(d.fp32Tflops());
        out[i++] = log2(d.pcieGBps());
        out[i++] = d.pcieGen();
    }

    /**
     * Every feature but those at {@link #WORKLOAD_RANGES}. With {@code inputs} (offset 0), each
     * logarithm's input is noted there, and where it equals the one noted for the previous row
     * {@code prev} the feature is copied from {@code prev}: the same input, the same value (a
     * logarithm is a function), without computing it again. Measured by thread CPU time on the
     * bundled model's lookups: 12.2 to 10.6 us a lookup.
     */
    private void encodeStrategy(Analysis a, double[] out, int offset, double[] inputs, double[] prev) {
        Plan p = a.plan();
        StepEstimate e = a.step();
        Workload w = p.workload();
        Strategy s = p.strategy();
        TrainingConfig t = w.training();
        DeviceProfile d = w.device();
        int i = offset + RAW_WORKLOAD;
        // 1. raw fields (the strategy's)
        out[i] = log2(inputs, prev, i, s.microBatches());
        i++;
        out[i] = log2(inputs, prev, i, (double) t.batch() / s.microBatches());
        i++;
        out[i] = log2(inputs, prev, i, (double) t.tokens() / s.microBatches());
        i++;
        out[i++] = s.optimizerOffload() ? 1 : 0;
        // 2. the policy's one-hot
        i = offset + WORKLOAD_RANGES[3];
        i = oneHot(out, i, s.policy().ordinal(), ActivationPolicy.values().length);
        i += DEVICE;
        // 4. planner quantities
        double capacity = d.memoryBytes();
        out[i] = log2(inputs, prev, i, p.parameters());
        i++;
        out[i] = log2(inputs, prev, i, p.flops());
        i++;
        out[i++] = p.flops() > 0 ? p.recomputeFlops() / p.flops() : 0;
        out[i] = log2(inputs, prev, i, p.activationBytes() + 1.0);
        i++;
        out[i] = log2(inputs, prev, i, p.activationBytesPerLayer() + 1.0);
        i++;
        out[i] = log2(inputs, prev, i, p.peakMemoryBytes());
        i++;
        out[i++] = p.peakMemoryBytes() / capacity;
        out[i++] = p.formulaPeakBytes() / capacity;
        out[i] = log2(inputs, prev, i, p.weightBytes() + p.gradientBytes() + p.optimizerBytes() + 1.0);
        i++;
        out[i] = log2(inputs, prev, i, p.pcieBytes() + 1.0);
        i++;
        out[i] = log2(inputs, prev, i, p.hbmBytes() + 1.0);
        i++;
        out[i] = log2(inputs, prev, i, p.hostBytes() + 1.0);
        i++;
        if (version == SCHEMA_VERSION_4) {
            out[i] = log2(inputs, prev, i, (double) guessedOps(w, s) * s.microBatches());
            i++;
        }
        out[i] = log2(inputs, prev, i, p.flops() / Math.max(1.0, p.hbmBytes()));
        i++;
        Roofline r = Roofline.of(p);
        out[i] = log2(inputs, prev, i, r.computeMs());
        i++;
        out[i] = log2(inputs, prev, i, r.hbmMs());
        i++;
        out[i] = log2(inputs, prev, i, r.pcieMs() + 1e-6);
        i++;
        out[i] = log2(inputs, prev, i, r.stepTimeMs());
        i++;
        out[i++] = r.pcieMs() / r.computeMs();
        // 5. kernel-level step estimate
        out[i] = log2(inputs, prev, i, e.estimateMs());
        i++;
        out[i] = log2(inputs, prev, i, e.computeMs());
        i++;
        out[i] = log2(inputs, prev, i, e.launchBoundMs());
        i++;
        out[i++] = e.gemmMs() / e.computeMs();
        out[i] = log2(inputs, prev, i, e.kernels());
        i++;
        out[i++] = e.gemmLog2Dim();
        out[i] = log2(inputs, prev, i, e.activationCopyMs() + 1e-6);
        i++;
        out[i++] = e.activationCopyMs() / e.launchBoundMs();
        out[i] = log2(inputs, prev, i, e.optimizerCopyMs() + e.hostMs() + 1e-6);
        i++;
        out[i++] = (e.optimizerCopyMs() + e.hostMs()) / e.estimateMs();
        // 6. what the analytic peak is made of: the learned peak correction depends on which part
        // dominates (model state is exact, stored activations and the transient working set are
        // estimated: Estimator)
        double peakBytes = Math.max(1.0, p.peakMemoryBytes());
        double act = p.peakBytesOf(MemoryCategory.ACTIVATIONS);
        double transientBytes = p.peakBytesOf(MemoryCategory.TRANSIENT);
        out[i] = log2(inputs, prev, i, act + 1.0);
        i++;
        out[i] = log2(inputs, prev, i, transientBytes + 1.0);
        i++;
        out[i++] = act / peakBytes;
        out[i++] = transientBytes / peakBytes;
        out[i++] = (p.weightBytes() + p.gradientBytes() + p.optimizerBytes()) / peakBytes;
        out[i++] = (capacity - p.peakMemoryBytes()) / capacity;
        out[i] = log2(inputs, prev, i, Math.abs(capacity - p.peakMemoryBytes()) + 1.0);
        i++;
        if (i - offset != names.size()) {
            throw new IllegalStateException("encoder wrote " + (i - offset) + " features, names has " + names.size());
        }
    }

    /**
     * Version 4's {@code log2_ops_per_step} before the micro-batches: a guess at the length of one
     * micro-batch's schedule, 20 operations for each of 5 sections a layer and 2 more for each
     * recomputed one (full and sqrt), plus 100. Kept only so that version-4 model files are fed the
     * features they learned from, bit for bit; version 5 has the real kernel count instead.
     */
    static int guessedOps(Workload w, Strategy s) {
        int layers = w.model().layers();
        ActivationPolicy p = s.policy();
        int recomputed = p == ActivationPolicy.FULL || p == ActivationPolicy.SQRT ? 2 * s.appliedLayers(layers) : 0;
        return (layers * 5 + recomputed) * 20 + 100;
    }

    private static List<String> buildNames(int version) {
        List<String> n = new ArrayList<>();
        Collections.addAll(n, "log2_layers", "log2_hidden", "log2_heads", "log2_kv_heads", "log2_ffn_hidden",
                "log2_vocab", "log2_seq_len", "log2_batch", "log2_micro_batches", "log2_micro_batch_size",
                "log2_tokens_per_micro_batch", "optimizer_offload");
        oneHotNames(n, "family", Family.values());
        oneHotNames(n, "precision", Precision.values());
        oneHotNames(n, "optimizer", OptimizerKind.values());
        oneHotNames(n, "attention", AttentionKind.values());
        oneHotNames(n, "policy", ActivationPolicy.values());
        Collections.addAll(n, "log2_device_memory", "log2_mem_bandwidth", "log2_peak_tflops", "log2_fp32_tflops",
                "log2_pcie_bandwidth", "pcie_gen");
        Collections.addAll(n, "log2_parameters", "log2_flops", "recompute_fraction", "log2_activation_bytes",
                "log2_activation_bytes_per_layer", "log2_analytic_peak", "analytic_peak_over_capacity",
                "formula_peak_over_capacity", "log2_model_state_bytes", "log2_pcie_bytes", "log2_hbm_bytes",
                "log2_host_bytes");
        if (version == SCHEMA_VERSION_4) {
            n.add("log2_ops_per_step");
        }
        Collections.addAll(n, "log2_arithmetic_intensity", "log2_roofline_compute_ms",
                "log2_roofline_hbm_ms", "log2_roofline_pcie_ms", "log2_roofline_ms", "pcie_over_compute_time");
        Collections.addAll(n, "log2_step_estimate_ms", "log2_kernel_roofline_ms", "log2_launch_bound_ms",
                "gemm_time_fraction", "log2_kernels_per_step", "gemm_log2_min_dim", "log2_activation_copy_ms",
                "activation_copy_over_compute", "log2_serial_offload_ms", "serial_offload_fraction");
        Collections.addAll(n, "log2_peak_activations", "log2_peak_transient", "peak_activation_fraction",
                "peak_transient_fraction", "peak_model_state_fraction", "capacity_headroom_fraction",
                "log2_capacity_headroom_bytes");
        return List.copyOf(n);
    }

    private static void oneHotNames(List<String> n, String prefix, Enum<?>[] values) {
        for (Enum<?> v : values) {
            n.add(prefix + "_" + v.name().toLowerCase(Locale.ROOT));
        }
    }

    private static int oneHot(double[] out, int i, int ordinal, int n) {
        for (int k = 0; k < n; k++) {
            out[i + k] = k == ordinal ? 1 : 0;
        }
        return i + n;
    }

    /**
     * log2 of {@code v}; with {@code inputs}, noted there at {@code i}, and where {@code v} is
     * the previous row's input at {@code i} ({@code ==}: -0.0 and 0.0 have the same logarithm,
     * NaN is computed), that row's value.
     */
    private static double log2(double[] inputs, double[] prev, int i, double v) {
        if (inputs == null) {
            return log2(v);
        }
        if (prev != null && v == inputs[i]) {
            return prev[i];
        }
        inputs[i] = v;
        return log2(v);
    }

    private static double log2(double v) {
        return Math.log(v) * INV_LN2;
    }

    private static final double INV_LN2 = 1.0 / Math.log(2);
}
