package io.accessplan.collector.sim;

import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.ModelState;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A value class no fitted row meets takes its cost from a host benchmark, scaled by the card's
 * fitted normal cost, and the profile says so; where rows meet it, the fit's value stands.
 */
class HostPriorTest {
    private static final DeviceProfile CARD = new DeviceProfile("nvidia-h200-cap2gib", 2L << 30, 2031.4, 31.8, 0,
            20.6, true, 0, 55.3, 55.2, "measured:cuda", "measured by the accessplan cuda backend");
    private static final SimParameters TRUTH = CalibrationTest.truth();
    private static final CalibrationRun.HostPrior BENCH = new CalibrationRun.HostPrior(12.5, "a test bench");

    /** Every candidate of the workloads, as cuda rows the truth's twin timed. */
    private static List<DatasetRow> rows(List<Workload> ws) {
        SimBackend sim = new SimBackend(null, TRUTH);
        List<DatasetRow> out = new ArrayList<>();
        for (Workload w : ws) {
            for (Strategy s : Strategy.candidates(w)) {
                var sc = Planner.schedule(w, s);
                double ms = sim.replay(sc).seconds() * 1e3;
                out.add(new DatasetRow(w, s, sc.plan().measured("cuda", 5, ms, 0.01 * ms, 1L << 30, false, ""),
                        Instant.parse("2026-12-01T00:00:00Z")));
            }
        }
        return out;
    }

    private static Workload w(ModelSpec m, int seq, int batch, Precision p, OptimizerKind o) {
        return new Workload(m, new TrainingConfig(seq, batch, p, o, AttentionKind.FUSED), CARD);
    }

    /** fp32 and bf16 Adam and SGD stacks with residuals: no host value class anywhere. */
    private static List<Workload> plain() {
        return List.of(w(ModelSpec.of(Family.GPT, 4, 512, 8), 256, 4, Precision.BF16, OptimizerKind.ADAM),
                w(ModelSpec.of(Family.LLAMA, 3, 640, 10), 256, 2, Precision.FP32, OptimizerKind.ADAM),
                w(ModelSpec.of(Family.BERT, 3, 384, 6), 128, 8, Precision.BF16, OptimizerKind.SGD),
                w(ModelSpec.of(Family.GPT, 3, 768, 12), 128, 4, Precision.FP32, OptimizerKind.SGD));
    }

    @Test
    void aValueClassNoFittedRowMeetsTakesTheBenchmarksRatioTimesTheCardsNormalAdamCost() {
        List<DatasetRow> rows = rows(plain());
        CalibrationRun.Outcome o = CalibrationRun.run(rows, List.of("test-rows"), 0, SimParameters.DEFAULTS, BENCH);
        CalibrationProfile.Parameter p = o.profile().table().get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS);
        SimParameters fitted = o.profile().parameters();
        assertFalse(p.fitted());
        // the normal cost is the fitted one: the planner's Adam FLOPs at the fitted rate, plus Adam's extra
        double normal = 12 / fitted.get(SimParameters.Name.HOST_OPTIMIZER_FLOPS)
                + fitted.get(SimParameters.Name.HOST_ADAM_SECONDS);
        assertEquals(12.5 * normal, p.value(), 1e-12 * p.value());
        assertTrue(p.source().startsWith(CalibrationProfile.SOURCE_HOST_BENCHMARK + "a test bench"), p.source());
        assertTrue(o.report().contains("host-benchmark: a test bench"), o.report());
        assertTrue(o.profile().table().get(SimParameters.Name.HOST_OPTIMIZER_FLOPS).fitted());
        // the other unexercised classes stay at the simulator's values, and say so
        for (SimParameters.Name n : List.of(SimParameters.Name.HOST_FP16_SUBNORMAL_SECONDS,
                SimParameters.Name.HOST_FP16_ZERO_CAST, SimParameters.Name.HOST_FP16_CAST_SECONDS)) {
            assertEquals(CalibrationProfile.SOURCE_DEFAULT, o.profile().table().get(n).source(), n.key());
            assertEquals(n.defaultValue(), fitted.get(n), n.key());
        }
        assertEquals(CalibrationProfile.SOURCE_FITTED,
                o.profile().table().get(SimParameters.Name.GEMM_EFFICIENCY_16).source());
        // without the benchmark the class is the simulator's 0, and the rest of the fit is the same
        CalibrationRun.Outcome none = CalibrationRun.run(rows, List.of("test-rows"), 0, SimParameters.DEFAULTS, null);
        assertEquals(0, none.profile().parameters().get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS));
        assertEquals(fitted.with(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS, 0), none.profile().parameters());
    }

    @Test
    void whereFittedRowsMeetTheClassTheFitsValueStands() {
        List<Workload> ws = new ArrayList<>(plain());
        // a plain fp32 Adam stack whose second moments are subnormal (GradientValues)
        ws.add(w(ModelSpec.of(Family.MLP, 25, 896, 1), 512, 2, Precision.FP32, OptimizerKind.ADAM));
        CalibrationRun.Outcome o = CalibrationRun.run(rows(ws), List.of("test-rows"), 0, SimParameters.DEFAULTS, BENCH);
        CalibrationProfile.Parameter p = o.profile().table().get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS);
        assertTrue(p.fitted());
        assertEquals(CalibrationProfile.SOURCE_FITTED, p.source());
        assertEquals(TRUTH.get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS), p.value(),
                0.1 * TRUTH.get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS));
    }

    @Test
    void theAdamFlopsOfTheNormalCostAreThePlanners() {
        Workload adam = plain().get(0);
        assertEquals(Calibration.ADAM_FLOPS_PER_PARAMETER, ModelState.of(adam).updateFlops() / adam.parameters(), 0.0);
    }

    @Test
    void aBadBenchmarkIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new CalibrationRun.HostPrior(-1, "x"));
        assertThrows(IllegalArgumentException.class, () -> new CalibrationRun.HostPrior(Double.NaN, "x"));
        assertThrows(IllegalArgumentException.class, () -> new CalibrationRun.HostPrior(2, " "));
    }
}
