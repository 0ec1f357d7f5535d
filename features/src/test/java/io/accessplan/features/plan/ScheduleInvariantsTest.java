package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Fixtures;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties every schedule of every strategy must have. */
class ScheduleInvariantsTest {

    static Stream<Arguments> schedules() {
        Workload[] ws = {
            Fixtures.workload(ModelSpec.of(Family.GPT, 5, 256, 4, null, null, 500), 128, 8, Precision.FP16, AttentionKind.NAIVE),
            Fixtures.workload(ModelSpec.of(Family.LLAMA, 4, 256, 8, 2, null, 500), 256, 4, Precision.BF16, AttentionKind.FUSED),
            Fixtures.workload(ModelSpec.of(Family.BERT, 3, 128, 2, null, null, 300), 64, 2, Precision.FP32, AttentionKind.NAIVE),
            new Workload(ModelSpec.of(Family.MLP, 6, 512, 1), new TrainingConfig(1, 8, Precision.FP32, OptimizerKind.SGD,
                    AttentionKind.NAIVE), Fixtures.device("t4-16gb")),
            // autocast: fp32 weights, per-op casts, fp32 norms, softmax and residual stream
            autocast(ModelSpec.of(Family.GPT, 5, 256, 4, null, null, 500), 128, 8, Precision.FP16, AttentionKind.NAIVE),
            autocast(ModelSpec.of(Family.LLAMA, 4, 256, 8, 2, null, 500), 256, 4, Precision.BF16, AttentionKind.FUSED),
            autocast(ModelSpec.of(Family.BERT, 3, 128, 2, null, null, 300), 64, 2, Precision.FP16, AttentionKind.NAIVE),
        };
        return Stream.of(ws).flatMap(w -> withPartials(w).stream().map(s -> Arguments.of(w, s)));
    }

    /** A workload trained under PyTorch-style autocast on the H100. */
    static Workload autocast(ModelSpec m, int seq, int batch, Precision p, AttentionKind a) {
        Workload w = Fixtures.workload(m, seq, batch, p, a);
        return new Workload(m, w.training().withMixedPrecision(io.accessplan.features.MixedPrecision.AUTOCAST), w.device());
    }

    /** Every candidate, and each partial policy's strategy at 1, 2 and L-1 layers. */
    static java.util.List<Strategy> withPartials(Workload w) {
        java.util.List<Strategy> out = new java.util.ArrayList<>(Strategy.candidates(w));
        int layers = w.model().layers();
        for (Strategy s : Strategy.candidates(w)) {
            if (s.policy().partial()) {
                for (int n : new int[]{1, 2, layers - 1}) {
                    out.add(s.withPolicyLayers(n));
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void everyAllocationIsFreedOnceAndUsedOnlyWhileLive(Workload w, Strategy s) {
        Schedule sch = Planner.schedule(w, s);
        Set<Integer> live = new HashSet<>();
        Set<Integer> seen = new HashSet<>();
        for (int id : sch.staticTensors()) {
            live.add(id);
        }
        for (Op op : sch.ops()) {
            if (op.kind() == OpKind.ALLOC) {
                assertTrue(seen.add(op.tensor()), "allocated twice: " + op.name());
                live.add(op.tensor());
            } else if (op.kind() == OpKind.FREE) {
                assertTrue(live.remove(op.tensor()), "freed while not live: " + op.name());
            } else {
                for (int t : op.inputs()) {
                    assertTrue(live.contains(t), op.name() + " reads dead " + sch.tensors().get(t).name());
                }
                for (int t : op.outputs()) {
                    assertTrue(live.contains(t), op.name() + " writes dead " + sch.tensors().get(t).name());
                }
            }
            for (int dep : op.waitFor()) {
                assertTrue(dep < op.index(), "waits on a later op: " + op.name());
                assertTrue(sch.ops().get(dep).stream() != op.stream() || op.kind() == OpKind.ALLOC,
                        "same-stream wait: " + op.name());
            }
            if (op.index() == sch.bodyEnd() - 1) {
                assertEquals(sch.staticTensors().length, live.size(), "body leaks");
            }
        }
    }
}
