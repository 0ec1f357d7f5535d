package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The values the host optimizer meets: the propagation estimate against a real forward and backward pass. */
class GradientValuesTest {
    private static final DeviceProfile H100 = DeviceCatalog.builtin().get("h100-sxm-80gb");

    private static Workload mlp(int layers, int hidden, int seq, int batch, Precision p, OptimizerKind o) {
        return new Workload(ModelSpec.of(Family.MLP, layers, hidden, 1), new TrainingConfig(seq, batch, p, o,
                AttentionKind.FUSED), H100);
    }

    /**
     * The engine's step on a small plain stack, in double precision: uniform weights, inputs and
     * targets, exact GeLU, MSE; the RMS of each layer's weight gradient against the closed form.
     */
    @Test
    void theClosedFormGradientScaleMatchesAForwardAndBackwardPassOfThePlainStack() {
        int layers = 5;
        int h = 96;
        int tokens = 256;
        Random r = new Random(7);
        double[][][] w = new double[layers][h][h];
        for (double[][] m : w) {
            for (double[] row : m) {
                for (int j = 0; j < h; j++) {
                    row[j] = (r.nextDouble() * 2 - 1) * GradientValues.WEIGHT_BOUND;
                }
            }
        }
        double[][][] a = new double[layers + 1][tokens][h];   // a[0] the input, a[l] the output of layer l
        double[][][] z = new double[layers + 1][tokens][h];
        for (double[] row : a[0]) {
            for (int j = 0; j < h; j++) {
                row[j] = r.nextDouble() * 2 - 1;
            }
        }
        for (int l = 1; l <= layers; l++) {
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < h; j++) {
                    double s = 0;
                    for (int k = 0; k < h; k++) {
                        s += a[l - 1][t][k] * w[l - 1][k][j];
                    }
                    z[l][t][j] = s;
                    a[l][t][j] = s * phi(s);
                }
            }
        }
        double scale = 1.0 / (tokens * h);
        double[][] da = new double[tokens][h];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < h; j++) {
                da[t][j] = 2 * scale * (a[layers][t][j] - (r.nextDouble() * 2 - 1));
            }
        }
        double expected = GradientValues.rms(layers, h, tokens, tokens, 1);
        for (int l = layers; l >= 1; l--) {
            double[][] dz = new double[tokens][h];
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < h; j++) {
                    double x = z[l][t][j];
                    dz[t][j] = da[t][j] * (phi(x) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI));
                }
            }
            double sq = 0;
            for (int k = 0; k < h; k++) {
                for (int j = 0; j < h; j++) {
                    double g = 0;
                    for (int t = 0; t < tokens; t++) {
                        g += a[l - 1][t][k] * dz[t][j];
                    }
                    sq += g * g;
                }
            }
            double measured = Math.sqrt(sq / (h * h));
            // the small-signal limit: within 25% at every depth (the first layer's GeLU is the least linear)
            assertEquals(1, measured / expected, 0.25, "layer " + l + ": " + measured + " vs " + expected);
            double[][] prev = new double[tokens][h];
            for (int t = 0; t < tokens; t++) {
                for (int k = 0; k < h; k++) {
                    double s = 0;
                    for (int j = 0; j < h; j++) {
                        s += dz[t][j] * w[l - 1][k][j];
                    }
                    prev[t][k] = s;
                }
            }
            da = prev;
        }
    }

    private static double phi(double x) {
        return 0.5 * (1 + GradientValues.erf(x / Math.sqrt(2)));
    }

    @Test
    void theErrorFunctionIsTheTabulatedOne() {
        // Abramowitz and Stegun, table 7.1
        assertEquals(0.5204998778, GradientValues.erf(0.5), 2e-7);
        assertEquals(0.8427007929, GradientValues.erf(1), 2e-7);
        assertEquals(-0.9953222650, GradientValues.erf(-2), 2e-7);
        assertEquals(0, GradientValues.erf(0), 2e-7);
    }

    @Test
    void theSharesFollowTheScaleAgainstThePrecisionsThresholds() {
        // fp16: the half-subnormal band is [2^-25, 2^-14); a shallow stack's gradients sit in it
        Workload shallow = mlp(8, 1152, 1024, 1, Precision.FP16, OptimizerKind.ADAM);
        double sigma = GradientValues.rms(8, 1152, 1024, 1024, GradientValues.FP16_LOSS_SCALE);
        GradientValues v = GradientValues.of(shallow, 1);
        assertEquals(GradientValues.below(0x1p-14, sigma) - GradientValues.below(0x1p-25, sigma), v.halfSubnormal(), 1e-9);
        assertEquals(GradientValues.below(0x1p-25, sigma), v.zero(), 1e-9);
        assertTrue(v.halfSubnormal() > 0.9, v.toString());
        // a deep one's underflow: every gradient zero
        GradientValues deep = GradientValues.of(mlp(21, 1152, 128, 2, Precision.FP16, OptimizerKind.ADAM), 1);
        assertEquals(1, deep.zero(), 1e-9);
        assertEquals(0, deep.halfSubnormal(), 1e-9);
        // fp32 Adam: the moment (1 - b2) k g^2 below 2^-126
        Workload fp32 = mlp(25, 896, 512, 2, Precision.FP32, OptimizerKind.ADAM);
        double s32 = GradientValues.rms(25, 896, 1024, 1024, 1);
        assertEquals(GradientValues.below(Math.sqrt(0x1p-126 / (0.001 * GradientValues.MOMENT_STEPS)), s32),
                GradientValues.of(fp32, 1).subnormalMoment(), 1e-9);
        assertTrue(GradientValues.of(fp32, 1).subnormalMoment() > 0.05);
        assertEquals(0, GradientValues.of(fp32, 1).zero());
        // no square of the gradient in SGD; residual streams keep transformers' gradients in range
        assertEquals(GradientValues.NONE, GradientValues.of(mlp(25, 896, 512, 2, Precision.FP32, OptimizerKind.SGD), 1));
        assertEquals(GradientValues.NONE, GradientValues.of(new Workload(ModelSpec.of(Family.GPT, 24, 512, 8),
                new TrainingConfig(128, 2, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED), H100), 1));
    }

    @Test
    void moreMicroBatchesMeanSmallerPartialsSoNoFewerZeroHalves() {
        Workload w = mlp(12, 960, 128, 16, Precision.FP16, OptimizerKind.ADAM);
        double last = -1;
        for (int k : new int[]{1, 2, 4, 8}) {
            GradientValues v = GradientValues.of(Planner.schedule(w, Strategy.parse(k == 1 ? "keep" : "keep+mb" + k)));
            assertEquals(GradientValues.of(w, k), v);
            assertTrue(v.zero() >= last, k + ": " + v);
            last = v.zero();
        }
        assertThrows(IllegalArgumentException.class, () -> GradientValues.of(w, 0));
    }

    @Test
    void eachValueCostAddsItsSecondsPerParameterToTheHostTail() {
        Workload w = mlp(25, 896, 512, 2, Precision.FP32, OptimizerKind.ADAM);
        Schedule s = Planner.schedule(w, Strategy.parse("keep+opt_offload"));
        double share = GradientValues.of(s).subnormalMoment();
        double x = 4e-9;
        double base = new SimBackend(null, SimParameters.DEFAULTS).replay(s).seconds();
        double slow = new SimBackend(null, SimParameters.DEFAULTS.with(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS, x))
                .replay(s).seconds();
        // the host update is on the step's serial tail: the step grows by exactly the added work
        assertEquals(x * w.parameters() * share, slow - base, 1e-9 * base);

        Workload half = mlp(21, 1152, 128, 2, Precision.FP16, OptimizerKind.ADAM);   // every gradient zero
        Schedule hs = Planner.schedule(half, Strategy.parse("keep+opt_offload"));
        SimParameters cast = SimParameters.DEFAULTS.with(SimParameters.Name.HOST_FP16_CAST_SECONDS, 1e-9);
        double full = new SimBackend(null, cast).replay(hs).seconds();
        double cheap = new SimBackend(null, cast.with(SimParameters.Name.HOST_FP16_ZERO_CAST, 0.25)).replay(hs).seconds();
        assertEquals(0.75 * 1e-9 * half.parameters(), full - cheap, 1e-9 * full);
    }
}
