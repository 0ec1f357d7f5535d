package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.Traffic;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated energy: the integral of the modelled power over the replayed timeline. */
class PowerModelTest {
    private final SimBackend sim = new SimBackend();

    private static Workload gpt(String device) {
        return SimBackendTest.workload(Family.GPT, 12, 768, 12, 1024, 8, Precision.FP16, AttentionKind.FUSED,
                device);
    }

    /**
     * Integrates board power (idle plus the power of every operation running at that instant)
     * piecewise between the timeline's breakpoints, independently of the replay's running sum.
     */
    private double integrate(Schedule s) {
        double[] dur = new double[s.ops().size()];
        double[][] starts = sim.timeline(s, dur);
        PowerModel pm = SimBackend.powerModel(s);
        List<double[]> intervals = new ArrayList<>();   // start, end, watts
        TreeSet<Double> points = new TreeSet<>();
        for (int r = 0; r < starts.length; r++) {
            for (int i = 0; i < dur.length; i++) {
                boolean body = i < s.bodyEnd();
                if (Double.isNaN(starts[r][i]) || (r < starts.length - 1) != body) {
                    continue;
                }
                Op op = s.ops().get(i);
                double a = starts[r][i];
                double b = a + dur[i];
                intervals.add(new double[]{a, b, pm.dynamicWatts(op, dur[i])});
                points.add(a);
                points.add(b);
            }
        }
        points.add(0.0);
        Double[] p = points.toArray(new Double[0]);
        double joules = 0;
        for (int k = 0; k + 1 < p.length; k++) {
            double mid = (p[k] + p[k + 1]) / 2;
            double watts = pm.idleWatts();
            for (double[] iv : intervals) {
                if (iv[0] <= mid && mid < iv[1]) {
                    watts += iv[2];
                }
            }
            joules += watts * (p[k + 1] - p[k]);
        }
        return joules;
    }

    @ParameterizedTest
    @ValueSource(strings = {"keep", "full+mb2", "selective", "offload", "offload+opt_offload", "sqrt+mb4"})
    void energyIsTheIntegralOfModelledPowerOverTheTimeline(String strategy) {
        Workload w = SimBackendTest.workload(Family.GPT, 4, 256, 4, 128, 4, Precision.FP16, AttentionKind.NAIVE,
                "a100-sxm-80gb");
        Schedule s = Planner.schedule(w, Strategy.parse(strategy));
        SimBackend.Replay r = sim.replay(s);
        double integral = integrate(s);
        assertEquals(integral, r.joules(), 1e-9 * integral, strategy);
    }

    @Test
    void theIdleFloorHoldsAndNoKernelExceedsTheBoardLimit() {
        for (String device : new String[]{"h100-sxm-80gb", "a100-sxm-40gb", "t4-16gb", "l4-24gb"}) {
            Workload w = gpt(device);
            for (Strategy st : Strategy.candidates(w)) {
                Schedule s = Planner.schedule(w, st);
                SimBackend.Replay r = sim.replay(s);
                PowerModel pm = SimBackend.powerModel(s);
                double mean = r.joules() / r.seconds();
                assertTrue(mean >= pm.idleWatts(), device + " " + st + ": " + mean);
                // board power never above the limit; PCIe and host CPU energy come on top of the board's
                double board = pm.tdpWatts() + PowerModel.PCIE_JOULES_PER_BYTE * Traffic.of(s).pcieBytes() / r.seconds()
                        + (st.optimizerOffload() ? PowerModel.HOST_CPU_WATTS : 0);
                assertTrue(mean <= board, device + " " + st + ": " + mean + " W");
            }
        }
    }

    @Test
    void recomputationCostsEnergyAndOffloadCostsPcieEnergy() {
        Workload w = gpt("h100-sxm-80gb");
        SimBackend.Replay keep = sim.replay(Planner.schedule(w, Strategy.parse("keep")));
        SimBackend.Replay full = sim.replay(Planner.schedule(w, Strategy.parse("full")));
        assertTrue(full.joules() > keep.joules(), full.joules() + " vs " + keep.joules());

        Schedule off = Planner.schedule(w, Strategy.parse("offload"));
        PowerModel pm = SimBackend.powerModel(off);
        double[] dur = new double[off.ops().size()];
        sim.timeline(off, dur);
        double pcieJ = 0;
        for (Op op : off.ops()) {
            if (op.kind() == OpKind.COPY_D2H || op.kind() == OpKind.COPY_H2D) {
                pcieJ += pm.dynamicWatts(op, dur[op.index()]) * dur[op.index()];
            }
        }
        assertEquals(PowerModel.PCIE_JOULES_PER_BYTE * Traffic.of(off).offloadPcieBytes(), pcieJ, 1e-9 * pcieJ);
        assertTrue(pcieJ > 0);
        SimBackend.Replay offload = sim.replay(off);
        // same kernels as keep: the difference is the copies' energy and the idle floor over any stall
        double expected = keep.joules() + pcieJ + pm.idleWatts() * (offload.seconds() - keep.seconds());
        assertEquals(expected, offload.joules(), 1e-6 * expected);
    }

    @Test
    void measuredEnergyScalesWithTheNoisyStepTimeAndIsAbsentForAnOom() {
        Workload w = gpt("a100-sxm-80gb");
        Schedule s = Planner.schedule(w, Strategy.parse("keep"));
        Measurement m = sim.measure(s, 5, 7);
        SimBackend.Replay r = sim.replay(s);
        assertEquals(r.joules() * m.stepTimeMs() / (r.seconds() * 1e3), m.energyJ(), 1e-9 * m.energyJ());
        Workload big = SimBackendTest.workload(Family.GPT, 48, 4096, 32, 4096, 64, Precision.FP16, AttentionKind.NAIVE,
                "t4-16gb");
        Measurement oom = sim.measure(Planner.schedule(big, Strategy.parse("keep")), 3, 1);
        assertTrue(oom.oom());
        assertTrue(Double.isNaN(oom.energyJ()));
    }
}
