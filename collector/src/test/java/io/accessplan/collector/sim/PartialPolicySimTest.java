package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The monotone structure the predictor's search over layer counts relies on, on the simulator:
 * applying recomputation or offload to more layers never raises the simulated peak (allocator
 * rounding included) and never shortens the simulated step.
 */
class PartialPolicySimTest {
    private static final List<String> DEVICES = List.of("h100-sxm-80gb", "a100-sxm-40gb", "v100-sxm-16gb", "l4-24gb",
            "t4-16gb");

    @Test
    void memoryFallsAndStepTimeRisesWithTheLayerCount() {
        SimBackend sim = new SimBackend();
        Random rnd = new Random(2205);
        int checked = 0;
        for (int trial = 0; trial < 40; trial++) {
            Family f = Family.values()[rnd.nextInt(Family.values().length)];
            int layers = 2 + rnd.nextInt(11);
            int heads = f == Family.MLP ? 1 : 4 << rnd.nextInt(3);
            int hidden = f == Family.MLP ? 256 << rnd.nextInt(4) : heads * (32 << rnd.nextInt(3));
            int seq = f == Family.MLP ? 1 : 128 << rnd.nextInt(4);
            int batch = 1 << rnd.nextInt(4);
            Workload w = new Workload(ModelSpec.of(f, layers, hidden, heads), new TrainingConfig(seq, batch,
                    rnd.nextBoolean() ? Precision.FP16 : Precision.FP32,
                    OptimizerKind.values()[rnd.nextInt(OptimizerKind.values().length)],
                    AttentionKind.values()[rnd.nextInt(AttentionKind.values().length)]),
                    DeviceCatalog.builtin().get(DEVICES.get(rnd.nextInt(DEVICES.size()))));
            for (Strategy whole : Strategy.candidates(w)) {
                if (!whole.policy().partial() || whole.microBatches() > 2) {
                    continue;
                }
                SimBackend.Replay prev = sim.replay(Planner.schedule(w, new Strategy(
                        io.accessplan.features.ActivationPolicy.KEEP, whole.microBatches(), whole.optimizerOffload())));
                for (int n = 1; n <= layers; n++) {
                    Strategy s = whole.withPolicyLayers(n);
                    SimBackend.Replay r = sim.replay(Planner.schedule(w, s));
                    String at = w + " " + s;
                    assertTrue(r.peakBytes() <= prev.peakBytes(), at + ": peak " + r.peakBytes() + " > " + prev.peakBytes());
                    assertTrue(r.seconds() >= prev.seconds() * (1 - 1e-12), at + ": step " + r.seconds() + " < "
                            + prev.seconds());
                    prev = r;
                    checked++;
                }
            }
        }
        assertTrue(checked > 500, "only " + checked + " pairs checked");
    }
}
