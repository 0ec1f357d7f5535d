package io.accessplan.collector.sim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-kernel-class parameters of the simulated GPU that a calibration fits to a card's
 * measured rows ({@link Calibration}). {@link #DEFAULTS} is the simulator as written, from
 * published measurements (every default cites its source in {@link DeviceModel}); a calibrated
 * profile replaces them for one card.
 *
 * <p>Efficiencies multiply a rate: a GEMM efficiency of 0.5 halves the GEMM curve's achieved
 * FLOP/s at every shape; a memory-bound efficiency is the fraction of the device's bandwidth a
 * kernel class reaches. Values are in the order of {@link Name}.
 *
 * @param values one value per {@link Name}, each positive and finite
 */
public record SimParameters(double[] values) {
    /** The parameters, in vector order. */
    public enum Name {
        /** Multiplier of the GEMM curve's efficiency at fp16/bf16 (1: the measured table's curve). */
        GEMM_EFFICIENCY_16("gemm_efficiency_16", 1),
        /** Multiplier of the GEMM curve's efficiency at fp32. */
        GEMM_EFFICIENCY_32("gemm_efficiency_32", 1),
        /**
         * Multiplier of the output elements a GEMM needs to fill the card ({@code c1} of
         * {@link GemmModel}): above 1 for a kernel whose small GEMMs run further below its peak
         * than the table's (larger tiles, fewer blocks per SM).
         */
        GEMM_FILL("gemm_fill", 1),
        /**
         * How sharply a GEMM turns from filling the card to full ({@link GemmModel}'s p-norm of the
         * output elements and the fill constant): 1 is the tables' smooth {@code bmn + c1}; larger
         * values approach {@code max(bmn, c1)}, a kernel whose small GEMMs take one wave's time.
         */
        GEMM_FILL_SHARPNESS("gemm_fill_sharpness", 1),
        /** Multiplier of fused attention's FLOP efficiency (FlashAttention-2 fractions by default). */
        ATTENTION_EFFICIENCY("attention_efficiency", 1),
        /** Fraction of the bandwidth that pointwise and dropout kernels reach. */
        POINTWISE_BANDWIDTH("pointwise_bandwidth_fraction", DeviceModel.MEMORY_BOUND_FRACTION),
        /** Fraction of the bandwidth that LayerNorm / RMSNorm kernels reach. */
        NORM_BANDWIDTH("norm_bandwidth_fraction", DeviceModel.MEMORY_BOUND_FRACTION),
        /** Fraction of the bandwidth that the softmax of naive attention reaches. */
        SOFTMAX_BANDWIDTH("softmax_bandwidth_fraction", DeviceModel.MEMORY_BOUND_FRACTION),
        /** Fraction of the bandwidth that embedding gathers and the loss reach. */
        EMBEDDING_LOSS_BANDWIDTH("embedding_loss_bandwidth_fraction", DeviceModel.MEMORY_BOUND_FRACTION),
        /** Fraction of the bandwidth that the on-device optimizer update reaches. */
        OPTIMIZER_BANDWIDTH("optimizer_bandwidth_fraction", DeviceModel.MEMORY_BOUND_FRACTION),
        /** Host-side seconds to launch one kernel or copy. */
        LAUNCH_SECONDS("launch_seconds", DeviceModel.LAUNCH_SECONDS),
        /** Host optimizer throughput, FLOP/s at the planner's FLOPs per parameter. */
        HOST_OPTIMIZER_FLOPS("host_optimizer_flops", DeviceModel.HOST_OPTIMIZER_FLOPS),
        /**
         * Fixed host seconds of one offloaded optimizer step beyond its throughput (waking the
         * worker threads, the synchronisation before and after); 0 in the simulator as written.
         */
        HOST_OPTIMIZER_LATENCY("host_optimizer_latency_seconds", 0),
        /**
         * Extra host seconds per parameter of an fp16 optimizer step on the host: the casts of the
         * gradients in and the weights out. bf16 converts by a shift of the bits; IEEE half needs a
         * real conversion, in software where the runtime has no intrinsic (the cuda backend's
         * {@code HostOptimizer.halfToFloat}, Java 17). 0 in the simulator as written.
         */
        HOST_FP16_CAST_SECONDS("host_fp16_cast_seconds_per_parameter", 0),
        /** Multiplier of the pinned host/device copy bandwidth (1: the device profile's measured rate). */
        COPY_EFFICIENCY("copy_efficiency", 1),
        /**
         * Extra host seconds per parameter of an fp16 optimizer step on the host whose gradient is a
         * half subnormal ({@link GradientValues}): the software conversion's second path, with a sign
         * branch no predictor learns. 0 in the simulator as written.
         */
        HOST_FP16_SUBNORMAL_SECONDS("host_fp16_subnormal_seconds_per_parameter", 0, true),
        /**
         * Cost of the fp16 host casts of a parameter whose gradient is zero, as a fraction of
         * {@link #HOST_FP16_CAST_SECONDS} ({@link GradientValues}: a short, predictable path, and moments
         * that stay zero). 1 in the simulator as written.
         */
        HOST_FP16_ZERO_CAST("host_fp16_zero_cast_fraction", 1, true),
        /**
         * Extra host seconds per parameter of an Adam step on the host whose second moment is an
         * fp32 subnormal ({@link GradientValues}: x86 microcode assists, flush-to-zero being off in
         * Java). 0 in the simulator as written.
         */
        HOST_SUBNORMAL_MOMENT_SECONDS("host_subnormal_moment_seconds_per_parameter", 0, true),
        /**
         * Extra host seconds per parameter of an Adam update on the host over what its FLOPs cost at
         * {@link #HOST_OPTIMIZER_FLOPS}. The planner counts 12 FLOPs a parameter for Adam and 4 for
         * SGD, and the simulator as written runs both at one FLOP rate. The engine's loops
         * ({@code HostOptimizer.update} in the cuda module) are not alike: per parameter SGD does one
         * multiply-add and one multiply in float over the weight and one moment, whereas Adam also
         * loads and stores the second moment, and its step is computed in double precision with three
         * divisions and a square root, long-latency operations whose cost no FLOP count carries.
         * Fitted where a card's rows have the host update of both optimizers (SGD pins the FLOP rate,
         * Adam this term). 0 in the simulator as written.
         */
        HOST_ADAM_SECONDS("host_adam_seconds_per_parameter", 0, true);

        private final String key;
        private final double defaultValue;
        private final boolean optional;

        Name(String key, double defaultValue) {
            this(key, defaultValue, false);
        }

        Name(String key, double defaultValue, boolean optional) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.optional = optional;
        }

        /**
         * Whether a profile file may leave the parameter out (it came after the first profiles were
         * written): an absent one reads as its default, which is the simulator as written.
         */
        public boolean optional() {
            return optional;
        }

        /** The name in a profile file. */
        public String key() {
            return key;
        }

        /** The simulator's value before any calibration. */
        public double defaultValue() {
            return defaultValue;
        }

        /** The parameter of a profile-file key, or null. */
        public static Name byKey(String key) {
            for (Name n : values()) {
                if (n.key.equals(key)) {
                    return n;
                }
            }
            return null;
        }
    }

    /** The simulator as written. */
    public static final SimParameters DEFAULTS = new SimParameters(
            Arrays.stream(Name.values()).mapToDouble(Name::defaultValue).toArray());

    /** Validates the vector: one finite value per name, positive (0 allowed where it is the default). */
    public SimParameters {
        if (values == null || values.length != Name.values().length) {
            throw new IllegalArgumentException("Invalid parameter count: " + (values == null ? 0 : values.length)
                    + " (expected " + Name.values().length + ")");
        }
        values = values.clone();
        for (Name n : Name.values()) {
            double v = values[n.ordinal()];
            boolean ok = n.defaultValue() == 0 ? v >= 0 : v > 0;
            if (!Double.isFinite(v) || !ok) {
                throw new IllegalArgumentException("Invalid " + n.key() + ": " + v);
            }
        }
    }

    /** The value of one parameter. */
    public double get(Name n) {
        return values[n.ordinal()];
    }

    /** A copy with one parameter replaced. */
    public SimParameters with(Name n, double v) {
        double[] c = values.clone();
        c[n.ordinal()] = v;
        return new SimParameters(c);
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    /** Key to value, in vector order. */
    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Name n : Name.values()) {
            m.put(n.key(), values[n.ordinal()]);
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimParameters p && Arrays.equals(values, p.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
