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
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The calibration fit: it recovers the parameters of a simulator that made the rows. */
class CalibrationTest {
    private static final DeviceProfile H100 = DeviceCatalog.builtin().get("h100-sxm-80gb");

    /** A twin whose every kernel class differs from the defaults, by factors of 0.4 to 6. */
    static SimParameters truth() {
        SimParameters p = SimParameters.DEFAULTS;
        p = p.with(SimParameters.Name.GEMM_EFFICIENCY_16, 0.45).with(SimParameters.Name.GEMM_EFFICIENCY_32, 1.8)
                .with(SimParameters.Name.GEMM_FILL, 3).with(SimParameters.Name.GEMM_FILL_SHARPNESS, 2)
                .with(SimParameters.Name.ATTENTION_EFFICIENCY, 0.4)
                .with(SimParameters.Name.POINTWISE_BANDWIDTH, 0.5).with(SimParameters.Name.NORM_BANDWIDTH, 0.6)
                .with(SimParameters.Name.SOFTMAX_BANDWIDTH, 0.3).with(SimParameters.Name.EMBEDDING_LOSS_BANDWIDTH, 0.1)
                .with(SimParameters.Name.OPTIMIZER_BANDWIDTH, 0.3).with(SimParameters.Name.HOST_OPTIMIZER_FLOPS, 1e10)
                .with(SimParameters.Name.HOST_OPTIMIZER_LATENCY, 4e-3)
                .with(SimParameters.Name.HOST_FP16_CAST_SECONDS, 1e-9).with(SimParameters.Name.COPY_EFFICIENCY, 0.8)
                .with(SimParameters.Name.HOST_FP16_SUBNORMAL_SECONDS, 9e-10)
                .with(SimParameters.Name.HOST_FP16_ZERO_CAST, 0.6)
                .with(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS, 4e-9)
                .with(SimParameters.Name.HOST_ADAM_SECONDS, 5e-10);
        return p;
    }

    /** Every candidate strategy of a spread of small workloads: every family, precision, attention and optimizer. */
    static List<Calibration.Point> rows(SimParameters p) {
        List<Workload> ws = List.of(
                w(ModelSpec.of(Family.GPT, 4, 512, 8), 256, 4, Precision.BF16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                w(ModelSpec.of(Family.LLAMA, 4, 640, 10), 512, 2, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                w(ModelSpec.of(Family.BERT, 3, 384, 6), 128, 16, Precision.FP32, OptimizerKind.ADAM, AttentionKind.FUSED),
                w(ModelSpec.of(Family.MLP, 8, 1024, 1), 128, 8, Precision.FP16, OptimizerKind.SGD, AttentionKind.FUSED),
                w(ModelSpec.of(Family.MLP, 6, 2048, 1), 128, 1, Precision.FP32, OptimizerKind.SGD, AttentionKind.FUSED),
                w(ModelSpec.of(Family.GPT, 6, 768, 12), 1024, 1, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                // large GEMMs, where the asymptotic rate shows apart from the fill of small ones
                w(ModelSpec.of(Family.GPT, 2, 4096, 32), 2048, 4, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED),
                w(ModelSpec.of(Family.MLP, 2, 8192, 1), 512, 16, Precision.FP32, OptimizerKind.SGD, AttentionKind.FUSED),
                // plain stacks whose host update meets half-subnormal, zero, and subnormal-moment values
                w(ModelSpec.of(Family.MLP, 8, 1152, 1), 1024, 1, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                w(ModelSpec.of(Family.MLP, 21, 1152, 1), 128, 2, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                w(ModelSpec.of(Family.MLP, 25, 896, 1), 512, 2, Precision.FP32, OptimizerKind.ADAM, AttentionKind.FUSED));
        List<Calibration.Point> out = new ArrayList<>();
        SimBackend sim = new SimBackend(null, p);
        for (Workload w : ws) {
            for (Strategy s : Strategy.candidates(w)) {
                var sc = Planner.schedule(w, s);
                out.add(new Calibration.Point(sc, sim.replay(sc).seconds() * 1e3, w.architectureId()));
            }
        }
        return out;
    }

    private static Workload w(ModelSpec m, int seq, int batch, Precision p, OptimizerKind o, AttentionKind a) {
        return new Workload(m, new TrainingConfig(seq, batch, p, o, a), H100);
    }

    @Test
    void theFitRecoversTheParametersOfTheSimulatorThatMadeTheRows() {
        SimParameters truth = truth();
        List<Calibration.Point> rows = rows(truth);
        // noiseless rows: a prior of the weight of their noise, next to nothing
        Calibration.Result fit = Calibration.fit(rows, SimParameters.DEFAULTS, 1e-4);
        assertEquals(Set.of(SimParameters.Name.values()), fit.fitted(), "every class is exercised by these rows");
        // the step times come back: the twin replays every row as its maker did
        double[] sim = Calibration.simulatedMs(rows, fit.parameters());
        for (int i = 0; i < sim.length; i++) {
            assertEquals(rows.get(i).measuredMs(), sim[i], 0.002 * rows.get(i).measuredMs(), "row " + i);
        }
        assertTrue(fit.rmsLogError() < 1e-4, "rms log error " + fit.rmsLogError());
        // and so does every parameter
        for (SimParameters.Name n : SimParameters.Name.values()) {
            assertEquals(truth.get(n), fit.parameters().get(n), 0.01 * truth.get(n), n.key());
            assertTrue(fit.logStderr()[n.ordinal()] < 0.01, n.key() + " se " + fit.logStderr()[n.ordinal()]);
        }
    }

    @Test
    void withTheDefaultPriorTheTwinStillReplaysEveryRowWithinAFewPercent() {
        List<Calibration.Point> rows = rows(truth());
        Calibration.Result fit = Calibration.fit(rows);
        double[] sim = Calibration.simulatedMs(rows, fit.parameters());
        for (int i = 0; i < sim.length; i++) {
            assertEquals(rows.get(i).measuredMs(), sim[i], 0.04 * rows.get(i).measuredMs(), "row " + i);
        }
        for (SimParameters.Name n : List.of(SimParameters.Name.GEMM_EFFICIENCY_16, SimParameters.Name.GEMM_FILL,
                SimParameters.Name.HOST_OPTIMIZER_FLOPS, SimParameters.Name.COPY_EFFICIENCY)) {
            assertEquals(truth().get(n), fit.parameters().get(n), 0.05 * truth().get(n), n.key());
        }
    }

    @Test
    void parametersNoRowExercisesKeepTheirStartAndAreNotFitted() {
        List<Calibration.Point> rows = rows(truth()).stream()
                .filter(r -> !r.schedule().strategy().optimizerOffload()
                        && r.schedule().workload().training().precision() != Precision.FP32)
                .toList();
        Calibration.Result fit = Calibration.fit(rows);
        for (SimParameters.Name n : List.of(SimParameters.Name.GEMM_EFFICIENCY_32,
                SimParameters.Name.HOST_OPTIMIZER_FLOPS, SimParameters.Name.HOST_OPTIMIZER_LATENCY,
                SimParameters.Name.HOST_FP16_CAST_SECONDS, SimParameters.Name.HOST_FP16_SUBNORMAL_SECONDS,
                SimParameters.Name.HOST_FP16_ZERO_CAST, SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS,
                SimParameters.Name.HOST_ADAM_SECONDS)) {
            assertFalse(fit.fitted().contains(n), n.key());
            assertEquals(SimParameters.DEFAULTS.get(n), fit.parameters().get(n), n.key());
            assertTrue(Double.isNaN(fit.logStderr()[n.ordinal()]), n.key());
        }
        assertTrue(fit.fitted().contains(SimParameters.Name.GEMM_EFFICIENCY_16));
    }

    @Test
    void adamsHostCostIsFittedOnlyBesideSgdAndThenRecoveredApartFromTheFlopRate() {
        // the twin above with another FLOP rate and an Adam host loop 0.6 ns a parameter dearer than its FLOPs
        SimParameters truth = truth().with(SimParameters.Name.HOST_OPTIMIZER_FLOPS, 1.1e10)
                .with(SimParameters.Name.HOST_ADAM_SECONDS, 6e-10);
        List<Calibration.Point> offloaded = rows(truth).stream()
                .filter(r -> r.schedule().strategy().optimizerOffload()).toList();
        List<Calibration.Point> adamOnly = offloaded.stream()
                .filter(r -> r.schedule().workload().training().optimizer() == OptimizerKind.ADAM).toList();
        assertFalse(Calibration.identifiable(adamOnly).contains(SimParameters.Name.HOST_ADAM_SECONDS),
                "with Adam alone its extra cost and the FLOP rate are one per-parameter cost");
        assertTrue(Calibration.identifiable(offloaded).contains(SimParameters.Name.HOST_ADAM_SECONDS));
        Calibration.Result fit = Calibration.fit(offloaded, SimParameters.DEFAULTS, 1e-4);
        assertEquals(6e-10, fit.parameters().get(SimParameters.Name.HOST_ADAM_SECONDS), 0.01 * 6e-10);
        assertEquals(1.1e10, fit.parameters().get(SimParameters.Name.HOST_OPTIMIZER_FLOPS), 0.01 * 1.1e10);
        // and an SGD row's host update does not pay it: the term is Adam's alone
        SimBackend plain = new SimBackend(null, truth.with(SimParameters.Name.HOST_ADAM_SECONDS, 0));
        SimBackend adam = new SimBackend(null, truth);
        for (Calibration.Point r : offloaded) {
            double a = adam.replay(r.schedule()).seconds();
            double b = plain.replay(r.schedule()).seconds();
            if (r.schedule().workload().training().optimizer() == OptimizerKind.SGD) {
                assertEquals(b, a, 0.0, "SGD row");
            } else {
                long params = r.schedule().workload().parameters();
                assertEquals(params * 6e-10, a - b, 1e-3 * params * 6e-10, "Adam row: the extra host time, exactly");
            }
        }
    }

    @Test
    void theDefaultsAreTheSimulatorAsWritten() {
        var rows = rows(SimParameters.DEFAULTS);
        SimBackend plain = new SimBackend();
        double[] sim = Calibration.simulatedMs(rows, SimParameters.DEFAULTS);
        for (int i = 0; i < sim.length; i++) {
            assertEquals(plain.replay(rows.get(i).schedule()).seconds() * 1e3, sim[i], 0.0, "row " + i);
        }
    }

    @Test
    void heldOutArchitecturesAreEveryNthIdAndNeverFitted() {
        List<Calibration.Point> rows = rows(truth());
        Set<String> held = CalibrationRun.heldOut(rows, 3);
        List<String> ids = rows.stream().map(Calibration.Point::architectureId).distinct().sorted().toList();
        Set<String> every3rd = new java.util.TreeSet<>();
        for (int i = 0; i < ids.size(); i += 3) {
            every3rd.add(ids.get(i));
        }
        assertTrue(ids.size() > 6, "enough architectures for three held out");
        assertEquals(every3rd, held);
        assertTrue(Calibration.select(rows, held, false).stream().noneMatch(r -> held.contains(r.architectureId())));
        assertEquals(rows.size(), Calibration.select(rows, held, false).size() + Calibration.select(rows, held, true).size());
        assertTrue(CalibrationRun.heldOut(rows, 0).isEmpty());
    }
}
