package io.accessplan.cuda.exec;

import io.accessplan.cuda.Workloads;
import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.emu.EmulatedDeviceApi;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The executor's operand mapping, end to end, on the emulated device (every kernel in Java):
 * every strategy computes the same gradients on the same data, every parameter the kernels use
 * gets a gradient, and the gradients are those of the loss (central finite differences). This
 * is the GPU-free evidence that the forward and backward pass the executor runs is the network's.
 */
class EmulatedExecutionTest {
    private static final List<String> STRATEGIES = List.of("keep", "selective", "full", "sqrt", "offload",
            "offload+mb2+opt_offload", "full+mb4", "selective+mb2+opt_offload", "sqrt+mb2",
            // partial policies: the first layer(s) under the policy, the rest kept
            "full:1", "full:2+mb2", "selective:1", "offload:1", "offload:2+mb2+opt_offload");

    static Stream<Arguments> workloads() {
        return Stream.of(
                Arguments.of("gpt", Workloads.of(ModelSpec.of(Family.GPT, 3, 32, 2, null, 64, 64), 8, 4,
                        Precision.FP32, OptimizerKind.ADAM, AttentionKind.NAIVE)),
                Arguments.of("llama-gqa-fused", Workloads.of(ModelSpec.of(Family.LLAMA, 3, 32, 4, 2, 48, 64), 8, 4,
                        Precision.FP32, OptimizerKind.SGD, AttentionKind.FUSED)),
                Arguments.of("llama-gqa-naive", Workloads.of(ModelSpec.of(Family.LLAMA, 2, 32, 4, 2, 48, 64), 8, 4,
                        Precision.FP32, OptimizerKind.ADAM, AttentionKind.NAIVE)),
                Arguments.of("bert", Workloads.of(ModelSpec.of(Family.BERT, 2, 32, 2, null, 64, 64), 8, 4,
                        Precision.FP32, OptimizerKind.ADAM, AttentionKind.NAIVE)),
                Arguments.of("mlp", Workloads.of(ModelSpec.of(Family.MLP, 3, 32, 1, null, null, 0), 8, 4,
                        Precision.FP32, OptimizerKind.ADAM, AttentionKind.NAIVE)));
    }

    private static float[] gradients(Workload w, Strategy s, long seed) {
        EmulatedDeviceApi api = new EmulatedDeviceApi();
        try (ScheduleExecutor ex = new ScheduleExecutor(api, Planner.schedule(w, s), 0, 0, seed)) {
            return ex.gradients();
        }
    }

    private static double norm(float[] g, long from, long count) {
        double n = 0;
        for (long i = from; i < from + count; i++) {
            n += (double) g[(int) i] * g[(int) i];
        }
        return Math.sqrt(n);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workloads")
    void everyStrategyComputesTheSameGradientsAndEveryParameterGetsOne(String name, Workload w) {
        float[] reference = gradients(w, Strategy.parse("keep"), 3);
        ParameterMap params = new ParameterMap(Planner.schedule(w, Strategy.parse("keep")));
        for (Map.Entry<String, ParameterMap.Slice> e : params.slices().entrySet()) {
            double n = norm(reference, e.getValue().offset(), e.getValue().count());
            assertTrue(n > 0 && Double.isFinite(n), name + ": parameter " + e.getKey() + " has gradient norm " + n);
        }
        double total = norm(reference, 0, reference.length);
        for (String st : STRATEGIES) {
            Strategy s = Strategy.parse(st);
            if (!s.validFor(w) || st.equals("keep")) {
                continue;
            }
            float[] g = gradients(w, s, 3);
            double diff = 0;
            for (int i = 0; i < g.length; i++) {
                diff += (double) (g[i] - reference[i]) * (g[i] - reference[i]);
            }
            assertTrue(Math.sqrt(diff) <= 1e-5 * total, name + " " + st + " differs from keep: relative "
                    + Math.sqrt(diff) / total);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void mixedPrecisionStrategiesAgreeToRounding(String name, Workload w) {
        float[] reference = gradients(w, Strategy.parse("keep"), 3);
        double total = norm(reference, 0, reference.length);
        assertTrue(total > 0 && Double.isFinite(total), name + ": gradient norm " + total);
        double tol = switch (w.training().precision()) {   // 16-bit storage rounds micro-batch sums
            case FP32 -> 1e-5;
            case FP16 -> 2e-3;
            case BF16 -> 1e-2;
        };
        for (String st : List.of("full+mb2", "offload+mb2+opt_offload", "selective+mb4")) {
            if (!Strategy.parse(st).validFor(w)) {
                continue;   // selective is not a candidate with fused attention
            }
            float[] g = gradients(w, Strategy.parse(st), 3);
            double diff = 0;
            for (int i = 0; i < g.length; i++) {
                diff += (double) (g[i] - reference[i]) * (g[i] - reference[i]);
            }
            assertTrue(Math.sqrt(diff) <= tol * total, name + " " + st + " differs from keep: relative "
                    + Math.sqrt(diff) / total);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workloads")
    void gradientsAreFiniteDifferencesOfTheLoss(String name, Workload w) {
        // selective recomputation where it is a candidate (naive attention), else full
        Strategy sel = Strategy.parse("selective+mb2");
        Schedule s = Planner.schedule(w, sel.validFor(w) ? sel : Strategy.parse("full+mb2"));
        EmulatedDeviceApi api = new EmulatedDeviceApi();
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, 0, 0, 5)) {
            ex.prepare();
            float[] g = ex.gradients();
            api.takeLoss();
            DeviceBuffer wb = ex.weightsBuffer();
            ParameterMap params = new ParameterMap(s);
            ModelDims d = ModelDims.of(s);
            // random weights of 0.035 make attention nearly uniform and the query/key gradients
            // vanishingly small; sharpen it so that they matter (and a wrong rotation shows)
            for (Map.Entry<String, ParameterMap.Slice> e : params.slices().entrySet()) {
                if (e.getKey().endsWith(".qkv")) {
                    for (long i = e.getValue().offset(); i < e.getValue().offset() + e.getValue().count(); i++) {
                        EmulatedDeviceApi.set(wb, DType.F32, i, 25 * EmulatedDeviceApi.get(wb, DType.F32, i));
                    }
                }
            }
            g = ex.gradients();
            api.takeLoss();
            for (Map.Entry<String, ParameterMap.Slice> e : params.slices().entrySet()) {
                long from = e.getValue().offset();
                int count = (int) e.getValue().count();
                if (e.getKey().endsWith(".qkv")) {   // queries, keys and values separately
                    int w0 = d.hidden();
                    int w1 = d.hidden() + d.kvDim();
                    checkAlongGradient(ex, api, wb, g, from, count, d.qkvWidth(), 0, w0, name + " " + e.getKey() + " q");
                    checkAlongGradient(ex, api, wb, g, from, count, d.qkvWidth(), w0, w1, name + " " + e.getKey() + " k");
                    checkAlongGradient(ex, api, wb, g, from, count, d.qkvWidth(), w1, d.qkvWidth(),
                            name + " " + e.getKey() + " v");
                } else {
                    checkAlongGradient(ex, api, wb, g, from, count, 1, 0, 1, name + " " + e.getKey());
                }
            }
        }
    }

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("gpt fp32 adam", Workloads.of(ModelSpec.of(Family.GPT, 2, 32, 2, null, 64, 64), 8, 4,
                        Precision.FP32, OptimizerKind.ADAM, AttentionKind.NAIVE)),
                Arguments.of("llama bf16 sgd", Workloads.of(ModelSpec.of(Family.LLAMA, 2, 32, 4, 2, 48, 64), 8, 4,
                        Precision.BF16, OptimizerKind.SGD, AttentionKind.FUSED)),
                Arguments.of("gpt fp16 adam", Workloads.of(ModelSpec.of(Family.GPT, 2, 32, 2, null, 64, 64), 8, 4,
                        Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE)));
    }

    private static float[] weightsAfterSteps(Workload w, String strategy, int steps) {
        EmulatedDeviceApi api = new EmulatedDeviceApi();
        Schedule s = Planner.schedule(w, Strategy.parse(strategy));
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, 0, 0, 9)) {
            ex.prepare();
            for (int i = 0; i < steps; i++) {
                ex.step();
            }
            DType t = DType.of(w.training().precision());
            float[] out = new float[(int) w.parameters()];
            for (int i = 0; i < out.length; i++) {
                out[i] = EmulatedDeviceApi.get(ex.weightsBuffer(), t, i);
            }
            return out;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void theHostOptimizerOfOptimizerOffloadUpdatesLikeTheDeviceOne(String name, Workload w) {
        float[] before = weightsAfterSteps(w, "keep", 0);
        float[] device = weightsAfterSteps(w, "keep", 3);
        float[] host = weightsAfterSteps(w, "offload+mb2+opt_offload", 3);
        double moved = 0;
        double diff = 0;
        for (int i = 0; i < device.length; i++) {
            moved += (double) (device[i] - before[i]) * (device[i] - before[i]);
            diff += (double) (device[i] - host[i]) * (device[i] - host[i]);
        }
        moved = Math.sqrt(moved);
        assertTrue(moved > 0, name + ": three steps moved no weight");
        double tol = w.training().precision() == Precision.FP32 ? 1e-5 : 0.03;   // 16-bit: micro-batch accumulation rounds
        assertTrue(Math.sqrt(diff) <= tol * moved, name + ": host and device updates differ by "
                + Math.sqrt(diff) + " after moving the weights by " + moved);
    }

    /**
     * The derivative of the loss along the computed gradient, restricted to columns [c0, c1) of a
     * slice with {@code width} columns, is the restricted gradient's norm if the gradient is true.
     */
    private static void checkAlongGradient(ScheduleExecutor ex, EmulatedDeviceApi api, DeviceBuffer wb, float[] g,
                                           long from, int count, int width, int c0, int c1, String what) {
        double[] u = new double[count];
        double gn = 0;
        for (int i = 0; i < count; i++) {
            int col = i % width;
            if (col >= c0 && col < c1) {
                u[i] = g[(int) from + i];
                gn += u[i] * u[i];
            }
        }
        gn = Math.sqrt(gn);
        assertTrue(gn > 0, what + ": zero gradient");
        float[] w0 = new float[count];
        for (int i = 0; i < count; i++) {
            w0[i] = EmulatedDeviceApi.get(wb, DType.F32, from + i);
        }
        double eps = Double.parseDouble(System.getProperty("fd.eps", "1e-4"));
        double[] loss = new double[2];
        for (int side = 0; side < 2; side++) {
            double step = side == 0 ? eps : -eps;
            for (int i = 0; i < count; i++) {
                EmulatedDeviceApi.set(wb, DType.F32, from + i, (float) (w0[i] + step * u[i] / gn));
            }
            ex.gradients();
            loss[side] = api.takeLoss();
        }
        for (int i = 0; i < count; i++) {
            EmulatedDeviceApi.set(wb, DType.F32, from + i, w0[i]);
        }
        double fd = (loss[0] - loss[1]) / (2 * eps);
        assertTrue(Math.abs(fd - gn) <= 0.02 * gn + 2e-5, what + ": derivative of the loss along the gradient is "
                + fd + ", the gradient's norm is " + gn);
    }
}
