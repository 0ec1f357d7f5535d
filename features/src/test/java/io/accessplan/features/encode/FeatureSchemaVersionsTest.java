package io.accessplan.features.encode;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Fixtures;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.StreamKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The feature layouts this build encodes: version 5 for new models, version 4 for the model files that record it. */
class FeatureSchemaVersionsTest {
    private static final FeatureEncoder V4 = FeatureEncoder.of(4);
    private static final FeatureEncoder V5 = FeatureEncoder.of(5);

    static List<Workload> workloads() {
        return List.of(
                Fixtures.workload(ModelSpec.of(Family.GPT, 5, 256, 4, null, null, 500), 128, 8, Precision.FP16, AttentionKind.NAIVE),
                Fixtures.workload(ModelSpec.of(Family.LLAMA, 4, 256, 8, 2, null, 500), 256, 4, Precision.BF16, AttentionKind.FUSED),
                Fixtures.workload(ModelSpec.of(Family.BERT, 3, 128, 2, null, null, 300), 64, 2, Precision.FP32, AttentionKind.NAIVE),
                new Workload(ModelSpec.of(Family.MLP, 6, 512, 1), new TrainingConfig(1, 8, Precision.FP32, OptimizerKind.SGD,
                        AttentionKind.NAIVE), Fixtures.device("t4-16gb")));
    }

    /** Every candidate, and each partial policy at 1 and L-1 layers. */
    static List<Strategy> strategies(Workload w) {
        List<Strategy> out = new ArrayList<>(Strategy.candidates(w));
        for (Strategy s : Strategy.candidates(w)) {
            if (s.policy().partial()) {
                out.add(s.withPolicyLayers(1));
                out.add(s.withPolicyLayers(w.model().layers() - 1));
            }
        }
        return out;
    }

    @Test
    void newModelsGetVersionFiveAndAnUnknownVersionIsRefusedInOneLine() {
        assertEquals(5, FeatureEncoder.schemaVersion());
        assertEquals(5, new FeatureEncoder().version());
        assertEquals(new FeatureEncoder().names(), V5.names());
        assertEquals(4, V4.version());
        assertTrue(FeatureEncoder.encodes(4) && FeatureEncoder.encodes(5));
        assertFalse(FeatureEncoder.encodes(3) || FeatureEncoder.encodes(6));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureEncoder.of(3));
        assertEquals("feature schema version 3 is not one this build encodes (4 or 5)", e.getMessage());
    }

    @Test
    void versionFiveIsVersionFourWithoutTheGuessedOpCount() {
        List<String> v4 = new ArrayList<>(V4.names());
        int ops = v4.indexOf("log2_ops_per_step");
        assertTrue(ops > 0);
        assertEquals(70, v4.size());   // the layout the checked-in version-4 model files record
        v4.remove(ops);
        assertEquals(v4, V5.names());
        assertTrue(V5.names().contains("log2_kernels_per_step"));
        for (Workload w : workloads()) {
            for (Strategy s : strategies(w)) {
                Analysis a = Analysis.of(w, s);
                double[] x4 = V4.encode(a);
                double[] x5 = V5.encode(a);
                // version 4's guess: 20 operations for each of 5 sections a layer, 2 more sections for each
                // layer full or sqrt recomputes, plus 100, once per micro-batch
                int layers = w.model().layers();
                boolean recomputesLayers = s.policy() == ActivationPolicy.FULL || s.policy() == ActivationPolicy.SQRT;
                int guess = (layers * 5 + (recomputesLayers ? 2 * s.appliedLayers(layers) : 0)) * 20 + 100;
                assertEquals(Math.log((double) guess * s.microBatches()) / Math.log(2), x4[ops], 1e-12, s.toString());
                double[] rest = new double[x5.length];
                System.arraycopy(x4, 0, rest, 0, ops);
                System.arraycopy(x4, ops + 1, rest, ops, x5.length - ops);
                assertArrayEquals(rest, x5, s.toString());
                // and batch encoding writes the same layout
                double[][] all = new double[1][V4.width()];
                V4.encodeAll(List.of(a), all);
                assertArrayEquals(x4, all[0], s.toString());
            }
        }
    }

    @Test
    void versionFiveCarriesTheKernelsTheScheduleLaunches() {
        int at = V5.names().indexOf("log2_kernels_per_step");
        for (Workload w : workloads()) {
            for (Strategy s : strategies(w)) {
                // the compute kernels of the schedule: the micro-batch body once per micro-batch, then the tail
                Schedule sch = Planner.schedule(w, s);
                long kernels = 0;
                for (Op op : sch.ops()) {
                    boolean kernel = op.kind() != OpKind.ALLOC && op.kind() != OpKind.FREE && op.kind() != OpKind.COPY_D2H
                            && op.kind() != OpKind.COPY_H2D && op.kind() != OpKind.HOST_OPTIMIZER
                            && op.stream() == StreamKind.COMPUTE;
                    if (kernel) {
                        kernels += op.index() < sch.bodyEnd() ? sch.repeats() : 1;
                    }
                }
                assertEquals(kernels, Analysis.of(w, s).step().kernels(), s.toString());
                assertEquals(Math.log(kernels) / Math.log(2), V5.encode(w, s)[at], 1e-12, s.toString());
            }
        }
    }
}
