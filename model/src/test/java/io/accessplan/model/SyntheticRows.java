package io.accessplan.model;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Roofline;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SYNTHETIC training data for tests: random workloads, every candidate strategy planned by the
 * real planner, and a made-up deterministic cost formula in place of a backend. The numbers are
 * not measurements and not the simulator's; they only give the learner a structure to find
 * (efficiency that grows with size, launch overhead, copies that do or do not overlap).
 */
public final class SyntheticRows {
    private SyntheticRows() {
    }

    /** Random workloads of small models (planning stays cheap), over a few devices. */
    public static List<Workload> workloads(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<DeviceProfile> devices = List.of(dev("h100-sxm-80gb"), dev("a100-sxm-40gb"), dev("v100-sxm-16gb"),
                dev("t4-16gb"), dev("l4-24gb"));
        Family[] fams = Family.values();
        List<Workload> out = new ArrayList<>();
        while (out.size() < n) {
            Family f = fams[r.nextInt(fams.length)];
            int layers = 2 + r.nextInt(23);
            int heads = 4 << r.nextInt(4);
            int hidden = heads * (64 << r.nextInt(2)) * (1 + r.nextInt(2));
            ModelSpec m = ModelSpec.of(f, layers, hidden, f.hasAttention() ? heads : 1);
            int seq = 128 << r.nextInt(4);
            int batch = 1 << r.nextInt(6);
            DeviceProfile d = devices.get(r.nextInt(devices.size()));
            Precision p = d.bf16() ? Precision.values()[r.nextInt(3)] : Precision.values()[r.nextInt(2)];
            TrainingConfig t = new TrainingConfig(seq, batch, p, r.nextBoolean() ? OptimizerKind.ADAM : OptimizerKind.SGD,
                    r.nextBoolean() ? AttentionKind.FUSED : AttentionKind.NAIVE);
            out.add(new Workload(m, t, d));
        }
        return out;
    }

    private static DeviceProfile dev(String name) {
        return DeviceCatalog.builtin().get(name);
    }

    /** Every candidate strategy of every workload with its synthetic measurement. */
    public static List<Observation> rows(List<Workload> workloads) {
        return workloads.parallelStream().flatMap(w -> Strategy.candidates(w).stream()
                .map(s -> measure(Planner.schedule(w, s)))).toList();
    }

    /** The synthetic cost formula (deterministic; the "noise" is a hash of the workload and strategy). */
    public static Observation measure(Schedule sch) {
        Plan p = sch.plan();
        Workload w = p.workload();
        Roofline r = Roofline.of(p);
        double tokens = (double) w.training().tokens() / p.strategy().microBatches();
        double eff = 0.25 + 0.5 * tokens / (tokens + 4096.0);          // bigger micro-batches run closer to peak
        double compute = r.computeMs() / eff + r.hbmMs() * 0.3;
        double launch = sch.ops().size() * p.strategy().microBatches() * 0.004;  // 4 us per operation of the schedule
        double copies = p.strategy().optimizerOffload() ? r.pcieMs() : Math.max(0, r.pcieMs() - compute);
        double hostOpt = p.strategy().optimizerOffload() ? p.parameters() * 2e-9 * 1e3 / 50 : 0;
        double noise = 1 + 0.01 * (((w.id() + p.strategy()).hashCode() & 1023) / 1023.0 - 0.5);
        double time = (compute + launch + copies + hostOpt) * noise;
        long peak = (long) (p.peakMemoryBytes() * 1.015) + (64L << 20);
        boolean oom = peak > w.device().memoryBytes();
        Measurement m = new Measurement("synthetic", 3, oom ? Double.NaN : time, oom ? Double.NaN : time * 0.01, peak,
                oom, p.pcieBytes(), p.hbmBytes(), p.flops(), p.recomputeFlops(), "synthetic test data");
        return new Observation(w, p.strategy(), m);
    }
}
