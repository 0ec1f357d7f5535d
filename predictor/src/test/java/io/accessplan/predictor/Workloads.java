package io.accessplan.predictor;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Varied workloads for the tests. */
final class Workloads {
    private Workloads() {
    }

    /** Workloads of every family on every device, ~10M to ~13B parameters, deterministic in the seed. */
    static List<Workload> random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<DeviceProfile> devices = new ArrayList<>(DeviceCatalog.builtin().all());
        int[] hidden = {256, 512, 768, 1024, 2048, 4096, 5120};
        List<Workload> out = new ArrayList<>(n);
        while (out.size() < n) {
            Family f = Family.values()[r.nextInt(4)];
            int h = hidden[r.nextInt(hidden.length)];
            DeviceProfile d = devices.get(r.nextInt(devices.size()));
            Precision p = d.bf16() && r.nextBoolean() ? Precision.BF16 : (r.nextInt(4) == 0 ? Precision.FP32 : Precision.FP16);
            ModelSpec m = ModelSpec.of(f, 2 + r.nextInt(46), h, f == Family.MLP ? 1 : h / 64);
            out.add(new Workload(m, new TrainingConfig(128 << r.nextInt(6), 1 << r.nextInt(7), p,
                    r.nextInt(5) == 0 ? OptimizerKind.SGD : OptimizerKind.ADAM,
                    r.nextBoolean() ? AttentionKind.FUSED : AttentionKind.NAIVE), d));
        }
        return out;
    }
}
