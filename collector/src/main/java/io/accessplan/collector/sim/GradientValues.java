package io.accessplan.collector.sim;

import io.accessplan.features.Family;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Workload;

/**
 * Which values the host optimizer meets in a step of the cuda engine: the share of the
 * parameters whose gradient is zero or an IEEE-half subnormal (fp16), or whose Adam second
 * moment is an fp32 subnormal. The host update of optimizer offload is plain Java over pinned
 * memory (the cuda module's {@code HostOptimizer}), and its cost per parameter depends on these
 * values, not only on their count:
 * <ul>
 * <li>an fp32 operation with a subnormal operand or result takes a microcode assist of the order
 *     of a hundred cycles on x86 when flush-to-zero is off [1], as it is in Java;</li>
 * <li>the software half-to-float conversion ({@code HostOptimizer.halfToFloat}, Java 17 has no
 *     intrinsic) takes a second path for subnormal halves, whose sign test the branch predictor
 *     cannot learn on random signs; zero halves take a short, predictable path, and their Adam
 *     moments stay zero.</li>
 * </ul>
 * On the CPU of this repository's build machine (an Intel Xeon), the cuda module's own update of
 * 16M parameters (one thread, process CPU time, mean of 8 updates; a one-off measurement, not a
 * checked-in benchmark) took 4.8 ns a parameter for fp32 Adam with normal gradients and 60 ns
 * where the second moments are subnormal; fp16 Adam took 20 ns with normal half gradients, 29 ns
 * with subnormal ones and 19 ns with zero ones. The measured rows show the same order on the
 * H200's host, with other sizes (it has 16 threads and another CPU), which is why the costs are
 * fitted and not taken from here. How large each effect is on a card's host is what
 * {@link Calibration} fits ({@link SimParameters.Name#HOST_FP16_SUBNORMAL_SECONDS},
 * {@link SimParameters.Name#HOST_FP16_ZERO_CAST}, {@link SimParameters.Name#HOST_SUBNORMAL_MOMENT_SECONDS});
 * this class says where they apply.
 *
 * <h2>The gradients' scale</h2>
 * The engine trains on synthetic data: weights uniform in +-{@value #WEIGHT_BOUND}, inputs and
 * targets uniform in +-1, the MSE loss's gradient {@code 2 s (y - t)} with
 * {@code s = lossScale / (tokens hidden)}, the fp16 loss scale {@value #FP16_LOSS_SCALE} (all from
 * the cuda module's {@code OpBinder}). A plain stack ({@code mlp}: linear then GeLU, no norm, no
 * residual) scales the second moment of the signal by {@code rho = h sigma_w^2 / 4} per layer, in
 * both directions (GeLU's slope is 1/2 at small inputs, where such a stack's signals are), the
 * small-signal limit of the propagation analysis of [2]. The weight gradient of layer {@code i}
 * sums over the step's {@code T} tokens the product of its input and its output gradient, so its
 * elements have variance {@code T E[a_{i-1}^2] E[dz_i^2]}: {@code lossScale^2 rho^(L-1) / (9 T h^2)},
 * the same at every depth, and taken as normal. Where the forward signal or the backward gradient
 * of a layer has fallen below the training precision's smallest subnormal, that layer's
 * gradients are zero. Families with a residual stream and norms ({@code gpt}, {@code llama},
 * {@code bert}) keep their gradients at the loss's scale, far from both ends of the range: none
 * of their values is counted.
 *
 * <p>References:
 * [1] Intel 64 and IA-32 Architectures Optimization Reference Manual, section "Floating-point
 *     exceptions" / denormals (FTZ and DAZ); A. Fog, The microarchitecture of Intel, AMD and VIA
 *     CPUs (denormal operand penalties).
 * [2] B. Poole et al., Exponential expressivity in deep neural networks through transient chaos,
 *     NeurIPS 2016; S. Schoenholz et al., Deep Information Propagation, ICLR 2017.
 *
 * @param zero              share of the parameters whose fp16 gradient is zero (0 outside fp16)
 * @param halfSubnormal     share whose fp16 gradient is a half subnormal (0 outside fp16)
 * @param subnormalMoment   share whose Adam second moment is an fp32 subnormal (fp32 and bf16 Adam)
 */
public record GradientValues(double zero, double halfSubnormal, double subnormalMoment) {
    /** Bound of the engine's uniform initial weights. */
    static final double WEIGHT_BOUND = 0.035;
    /** The engine's static fp16 loss scale. */
    static final double FP16_LOSS_SCALE = 1024;
    /** Adam's second-moment decay in the engine. */
    static final double ADAM_B2 = 0.999;
    /**
     * Updates a timed step's second moment has summed: the engine runs 2 warm-up steps, then
     * times 3; the middle of the timed ones is the 4th.
     */
    static final int MOMENT_STEPS = 4;

    /** No value the host meets is special: the simulator as written. */
    public static final GradientValues NONE = new GradientValues(0, 0, 0);

    /** Validates the shares. */
    public GradientValues {
        for (double v : new double[]{zero, halfSubnormal, subnormalMoment}) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("Invalid share of parameters: " + v);
            }
        }
    }

    /**
     * The values the host optimizer of a schedule's step meets. Each micro-batch's weight gradients
     * are a partial sum over its own tokens, stored in the training precision and accumulated:
     * a partial that underflows stays zero, so the classes follow the micro-batch's partial
     * ({@code T / k} tokens), whose spread is the step's over {@code sqrt(k)}.
     */
    public static GradientValues of(io.accessplan.features.plan.Schedule s) {
        return of(s.workload(), s.strategy().microBatches());
    }

    /** The values the host optimizer of the workload's step in {@code microBatches} micro-batches meets. */
    public static GradientValues of(Workload w, int microBatches) {
        if (microBatches < 1) {
            throw new IllegalArgumentException("Invalid micro-batches: " + microBatches);
        }
        if (w.model().family() != Family.MLP) {
            return NONE;
        }
        Precision p = w.training().precision();
        boolean adam = w.training().optimizer() == OptimizerKind.ADAM;
        if (p != Precision.FP16 && !adam) {
            return NONE;   // fp32/bf16 SGD: a momentum and a weight, no square of a tiny gradient
        }
        int layers = w.model().layers();
        double h = w.model().hidden();
        double tokens = (double) w.training().seqLen() * w.training().batch();
        double lossScale = p == Precision.FP16 ? FP16_LOSS_SCALE : 1;
        double rho = rho(h);
        double scale = lossScale / (tokens * h);
        // the smallest magnitude the precision stores: below half of its least subnormal a value rounds to 0
        double floor = switch (p) {
            case FP16 -> 0x1p-25;
            case BF16 -> 0x1p-134;
            case FP32 -> 0x1p-150;
        };
        double logRho = Math.log(rho);
        double zero = 0;
        double sub = 0;
        double moment = 0;
        for (int i = 1; i <= layers; i++) {
            double logA = 0.5 * (Math.log(1.0 / 3) + (i - 1) * logRho);                   // rms of the layer's input
            double logDz = 0.5 * (Math.log(4 * scale * scale / 3 * 0.25) + (layers - i) * logRho);   // of its output gradient
            if (logA < Math.log(floor) || logDz < Math.log(floor)) {
                zero += 1;
                continue;
            }
            if (p == Precision.FP16) {
                double partial = Math.exp(0.5 * Math.log(tokens / microBatches) + logA + logDz);
                double z = below(floor, partial);
                zero += z;
                sub += below(0x1p-14, partial) - z;
            } else {
                // fp32 and bf16 partials add up in range: the step's gradient, whose moment after k
                // updates is about (1 - b2) k g^2, subnormal below 2^-126
                double sigma = Math.exp(0.5 * Math.log(tokens) + logA + logDz);
                moment += below(Math.sqrt(0x1p-126 / ((1 - ADAM_B2) * MOMENT_STEPS)), sigma);
            }
        }
        return new GradientValues(p == Precision.FP16 ? zero / layers : 0, sub / layers, moment / layers);
    }

    /** Per-layer factor of a plain stack's signal second moment, forward and backward: {@code h sigma_w^2 / 4}. */
    static double rho(double hidden) {
        return hidden * (WEIGHT_BOUND * WEIGHT_BOUND / 3) / 4;
    }

    /**
     * Standard deviation of a weight-gradient element of a plain stack of {@code layers} layers of
     * width {@code hidden}, summed over {@code tokens} tokens, the loss scaled by {@code lossScale}
     * and averaged over {@code stepTokens}: {@code sqrt(tokens / 9) lossScale rho^((L-1)/2) / (stepTokens h)}
     * (the same at every depth, in range).
     */
    static double rms(int layers, double hidden, double tokens, double stepTokens, double lossScale) {
        return Math.sqrt(tokens / 9) * lossScale * Math.pow(rho(hidden), (layers - 1) / 2.0) / (stepTokens * hidden);
    }

    /** P(|g| < t) for a normal g of mean 0 and standard deviation sigma. */
    static double below(double t, double sigma) {
        return Math.min(1, Math.max(0, erf(t / (sigma * Math.sqrt(2)))));
    }

    /** The error function (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7). */
    static double erf(double x) {
        double s = Math.signum(x);
        double a = Math.abs(x);
        double t = 1 / (1 + 0.3275911 * a);
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-a * a);
        return s * y;
    }
}
