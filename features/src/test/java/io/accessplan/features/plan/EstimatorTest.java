package io.accessplan.features.plan;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The closed-form estimator agrees with the schedule walk: exactly where it claims to, closely elsewhere. */
class EstimatorTest {

    static Stream<Arguments> pairs() {
        return ScheduleInvariantsTest.schedules();
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void exactQuantitiesEqualTheScheduleWalk(Workload w, Strategy s) {
        Plan exact = Planner.plan(w, s);
        Plan est = Estimator.estimate(w, s);
        assertEquals(exact.parameters(), est.parameters());
        assertEquals(exact.weightBytes(), est.weightBytes());
        assertEquals(exact.gradientBytes(), est.gradientBytes());
        assertEquals(exact.optimizerBytes(), est.optimizerBytes());
        assertEquals(exact.optimizerHostBytes(), est.optimizerHostBytes());
        assertEquals(exact.activationBytesPerLayer(), est.activationBytesPerLayer());
        assertEquals(exact.flops(), est.flops(), exact.flops() * 1e-9);
        assertEquals(exact.recomputeFlops(), est.recomputeFlops(), exact.flops() * 1e-9);
        assertEquals(exact.pcieBytes(), est.pcieBytes());
        assertEquals(exact.hostBytes(), est.hostBytes());
        assertEquals(est, Estimator.estimateAll(w, java.util.List.of(s))[0]);
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void estimatedPeakIsCloseToTheTimelinePeak(Workload w, Strategy s) {
        Plan exact = Planner.plan(w, s);
        Plan est = Estimator.estimate(w, s);
        double rel = Math.abs(est.peakMemoryBytes() - exact.peakMemoryBytes()) / (double) exact.peakMemoryBytes();
        assertTrue(rel < 0.25, s + ": estimate " + est.peakMemoryBytes() + " vs timeline " + exact.peakMemoryBytes());
        double hbm = Math.abs(est.hbmBytes() - exact.hbmBytes()) / (double) exact.hbmBytes();
        assertTrue(hbm < 0.25, s + ": hbm estimate " + est.hbmBytes() + " vs " + exact.hbmBytes());
    }
}
