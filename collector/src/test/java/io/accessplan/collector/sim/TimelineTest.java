package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The optimised replay (timed operations only, per-thread scratch arrays) against a plain
 * reference: every operation on the timeline, fresh arrays, the body copied out k times.
 */
class TimelineTest {
    private final SimBackend sim = new SimBackend();

    /** The textbook discrete-event replay of a schedule. */
    static double reference(Schedule s, DeviceModel dm) {
        List<Op> program = new ArrayList<>();
        List<Op> ops = s.ops();
        for (int r = 0; r < s.repeats(); r++) {
            program.addAll(ops.subList(0, s.bodyEnd()));
        }
        program.addAll(ops.subList(s.bodyEnd(), ops.size()));
        double[] finish = new double[ops.size()];   // latest finish of each op index (the current repeat)
        double[] stream = new double[3];
        double launch = 0;
        double end = 0;
        for (Op op : program) {
            double start = stream[op.stream().ordinal()];
            for (int w : op.waitFor()) {
                start = Math.max(start, finish[w]);
            }
            double d = SimBackend.duration(op, dm, GradientValues.of(s), SimBackend.adam(s));
            if (op.kind() == OpKind.HOST_OPTIMIZER) {
                start = Math.max(start, launch);
                launch = start + d;
            } else if (!op.kind().isMemoryEvent()) {
                launch += DeviceModel.LAUNCH_SECONDS;
                start = Math.max(start, launch);
            }
            finish[op.index()] = start + d;
            stream[op.stream().ordinal()] = start + d;
            end = Math.max(end, start + d);
        }
        return end;
    }

    @Test
    void optimisedReplayEqualsTheReferenceForEveryStrategy() {
        Workload[] ws = {
            SimBackendTest.workload(Family.GPT, 6, 512, 8, 512, 8, Precision.BF16, AttentionKind.NAIVE, "h100-sxm-80gb"),
            SimBackendTest.workload(Family.LLAMA, 4, 1024, 16, 1024, 4, Precision.FP16, AttentionKind.FUSED, "t4-16gb"),
            SimBackendTest.workload(Family.BERT, 5, 768, 12, 256, 8, Precision.FP32, AttentionKind.NAIVE, "a100-pcie-40gb"),
            SimBackendTest.workload(Family.MLP, 9, 2048, 1, 128, 8, Precision.FP32, AttentionKind.FUSED, "v100-sxm-16gb"),
        };
        // interleave workloads so the scratch arrays carry another schedule's values into each replay
        for (int pass = 0; pass < 2; pass++) {
            for (Workload w : ws) {
                DeviceModel dm = sim.model(w.device(), w.training().precision());
                for (Strategy st : Strategy.candidates(w)) {
                    Schedule s = Planner.schedule(w, st);
                    double expected = reference(s, dm);
                    assertEquals(expected, sim.replay(s).seconds(), 1e-12 * expected, w.model().family() + " " + st);
                }
            }
        }
    }

    @Test
    void concurrentMeasurementsEqualSequentialOnes() throws Exception {
        Workload w = SimBackendTest.workload(Family.GPT, 4, 512, 8, 512, 8, Precision.BF16, AttentionKind.NAIVE,
                "a100-sxm-80gb");
        List<Schedule> schedules = Strategy.candidates(w).stream().map(st -> Planner.schedule(w, st)).toList();
        List<io.accessplan.features.Measurement> sequential = new ArrayList<>();
        for (Schedule s : schedules) {
            sequential.add(new SimBackend().measure(s, 3, 11));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<io.accessplan.features.Measurement>> futures = new ArrayList<>();
                for (Schedule s : schedules) {
                    futures.add(pool.submit(() -> sim.measure(s, 3, 11)));
                }
                for (int i = 0; i < schedules.size(); i++) {
                    assertEquals(sequential.get(i), futures.get(i).get(), schedules.get(i).strategy().toString());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
