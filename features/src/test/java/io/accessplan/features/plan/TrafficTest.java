package io.accessplan.features.plan;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The essential / redundant split of a step's traffic, against the schedule it is read from. */
class TrafficTest {

    static Stream<Arguments> schedules() {
        return ScheduleInvariantsTest.schedules();
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void keepOnOneMicroBatchHasNoRedundantTraffic(Workload w, Strategy s) {
        if (s.policy() != ActivationPolicy.KEEP || s.microBatches() != 1 || s.optimizerOffload()) {
            return;
        }
        Traffic t = Traffic.of(Planner.schedule(w, s));
        assertEquals(0, t.redundantHbmBytes());
        assertEquals(0, t.pcieBytes());
        assertEquals(0.0, t.redundantShare());
        assertEquals(Planner.plan(w, s).hbmBytes(), t.hbmBytes());
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void fullRecomputationReMovesOneForwardOfEveryRecomputedLayer(Workload w, Strategy s) {
        if (s.policy() != ActivationPolicy.FULL) {
            return;
        }
        Schedule sch = Planner.schedule(w, s);
        int recomputed = s.appliedLayers(w.model().layers());   // full:N recomputes the first N layers
        long forwardOfLayers = 0;   // the forward pass's kernels of the recomputed layers, from the schedule
        for (Op op : sch.ops()) {
            if (op.index() < sch.bodyEnd() && op.phase() == Phase.FORWARD && op.layer() >= 0 && op.layer() < recomputed
                    && op.stream() == StreamKind.COMPUTE && op.kind() != OpKind.ALLOC && op.kind() != OpKind.FREE) {
                forwardOfLayers += op.bytesRead() + op.bytesWritten();
            }
        }
        Traffic t = Traffic.of(sch);
        assertTrue(forwardOfLayers > 0);
        assertEquals(s.microBatches() * forwardOfLayers, t.recomputeHbmBytes(), s.toString());
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void offloadMovesEveryOffloadedActivationTwice(Workload w, Strategy s) {
        if (s.policy() != ActivationPolicy.OFFLOAD) {
            return;
        }
        Schedule sch = Planner.schedule(w, s);
        long offloaded = 0;   // the pinned host buffers the offloaded activations go to
        for (int id : sch.staticTensors()) {
            Tensor x = sch.tensors().get(id);
            if (x.location() == Location.HOST && x.category() == MemoryCategory.ACTIVATIONS) {
                offloaded += x.bytes();
            }
        }
        Traffic t = Traffic.of(sch);
        assertTrue(offloaded > 0);
        assertEquals(2L * s.microBatches() * offloaded, t.offloadPcieBytes(), s.toString());
        if (!s.optimizerOffload()) {
            assertEquals(t.offloadPcieBytes(), t.pcieBytes());
        }
        assertEquals(Planner.plan(w, s).pcieBytes(), t.pcieBytes());
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void essentialHbmTrafficIsKeepsWhateverTheStrategy(Workload w, Strategy s) {
        if (s.optimizerOffload()) {
            return;
        }
        long keep = Planner.plan(w, new Strategy(ActivationPolicy.KEEP, 1, false)).hbmBytes();
        Traffic t = Traffic.of(Planner.schedule(w, s));
        assertEquals(keep, t.essentialHbmBytes(), s.toString());
        assertEquals(Planner.plan(w, s).hbmBytes(), t.hbmBytes());
        double share = t.redundantShare();
        assertTrue(share >= 0 && share < 1, s + ": " + share);
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void aHostOptimizerMovesTheGradientsDownAndTheWeightsUp(Workload w, Strategy s) {
        if (!s.optimizerOffload()) {
            return;
        }
        ModelState m = ModelState.of(w);
        Traffic t = Traffic.of(Planner.schedule(w, s));
        assertEquals(m.gradientBytes() + m.weightBytes(), t.optimizerPcieBytes(), s.toString());
        assertEquals(t.pcieBytes(), t.redundantPcieBytes());
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void theEstimatorsSplitHasTheSchedulesExactPartsAndTotals(Workload w, Strategy s) {
        Traffic exact = Planner.plan(w, s).traffic();
        Traffic est = Estimator.estimate(w, s).traffic();
        // exact in closed form: what micro-batches and the host optimizer add, and every PCIe byte
        assertEquals(exact.microBatchHbmBytes(), est.microBatchHbmBytes(), s.toString());
        assertEquals(exact.pcieBytes(), est.pcieBytes(), s.toString());
        assertEquals(exact.offloadPcieBytes(), est.offloadPcieBytes(), s.toString());
        assertEquals(exact.optimizerPcieBytes(), est.optimizerPcieBytes(), s.toString());
        // the estimated plan's totals are its traffic's (the features read them)
        assertEquals(Estimator.estimate(w, s).hbmBytes(), est.hbmBytes());
        assertTrue(est.redundantHbmBytes() <= est.hbmBytes(), s.toString());
        if (exact.recomputeHbmBytes() == 0) {
            assertEquals(0, est.recomputeHbmBytes(), s.toString());
        }
    }
}
