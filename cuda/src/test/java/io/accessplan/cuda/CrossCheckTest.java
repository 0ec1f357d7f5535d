package io.accessplan.cuda;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.Backends;
import io.accessplan.cuda.device.RecordingDeviceApi;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Cross-check ratios against a stand-in simulator with known answers. */
class CrossCheckTest {

    /** A simulator stand-in: 4 ms per step, the planner's peak, out of memory past a capacity. */
    private static final class FixedSim implements Backend {
        private final long capacity;

        FixedSim(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public String name() {
            return "sim";
        }

        @Override
        public Measurement measure(Schedule s, int repeats, long seed) {
            long peak = s.plan().peakMemoryBytes();
            boolean oom = peak > capacity;
            return new Measurement("sim", repeats, oom ? Double.NaN : 4.0, 0, peak, oom, 0, 0, 0, 0, "");
        }

        @Override
        public void close() {
        }
    }

    @Test
    void ratiosPerScheduleAndGeometricMeansPerStrategy() {
        List<Schedule> schedules = List.of(
                Planner.schedule(Workloads.tinyGpt(), Strategy.parse("keep")),
                Planner.schedule(Workloads.tinyBert(), Strategy.parse("keep")),
                Planner.schedule(Workloads.tinyGpt(), Strategy.parse("full+mb2")));
        try (CudaBackend cuda = new CudaBackend(new RecordingDeviceApi(80L << 30, "ptx"), BackendOptions.defaults(),
                Planner.CUDA_CONTEXT_BYTES, null)) {
            List<CrossCheck.Row> rows = CrossCheck.run(cuda, new FixedSim(Long.MAX_VALUE), schedules, 2, 1);
            assertEquals(3, rows.size());
            for (CrossCheck.Row r : rows) {
                assertEquals(0.25, r.stepRatio(), 1e-12, "1 ms recorded over 4 ms simulated");
                assertEquals(1.0, r.peakRatio(), 1e-12, "the allocator's peak is the planner's");
            }
            List<CrossCheck.StrategySummary> by = CrossCheck.byStrategy(rows);
            assertEquals(List.of("keep", "full+mb2"), by.stream().map(CrossCheck.StrategySummary::strategy).toList());
            assertEquals(2, by.get(0).runs());
            assertEquals(0.25, by.get(0).stepRatioGeoMean(), 1e-12);
            String table = CrossCheck.format(rows);
            assertTrue(table.contains("full+mb2") && table.contains("0.250"), table);
        }
    }

    @Test
    void anOutOfMemoryOnOneSideIsADisagreementNotARatio() {
        Schedule s = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("keep"));
        try (CudaBackend cuda = new CudaBackend(new RecordingDeviceApi(80L << 30, "ptx"), BackendOptions.defaults(),
                Planner.CUDA_CONTEXT_BYTES, null)) {
            List<CrossCheck.Row> rows = CrossCheck.run(cuda, new FixedSim(1), List.of(s), 1, 1);
            assertTrue(Double.isNaN(rows.get(0).stepRatio()));
            assertEquals(1, CrossCheck.byStrategy(rows).get(0).oomDisagreements());
            assertEquals(0, CrossCheck.byStrategy(rows).get(0).runs());
        }
    }

    @Test
    void schedulesMovesEveryCandidateOntoTheLocalDevice() {
        try (CudaBackend cuda = new CudaBackend(new RecordingDeviceApi(80L << 30, "ptx"), BackendOptions.defaults(),
                Planner.CUDA_CONTEXT_BYTES, null)) {
            var device = cuda.localDevice();
            List<Schedule> s = CrossCheck.schedules(List.of(Workloads.tinyGpt(), Workloads.tinyMlp()), device);
            long expected = Strategy.candidates(Workloads.tinyGpt()).size()
                    + Strategy.candidates(Workloads.tinyMlp()).size();
            assertEquals(expected, s.size());
            assertTrue(s.stream().allMatch(x -> x.workload().device().equals(device)));
        }
    }

    @Test
    void runsAgainstTheRealSimulatorWhereItIsOnTheClassPath() throws Exception {
        assumeTrue(Backends.providers().stream().anyMatch(p -> p.name().equals("sim")), "no sim backend here");
        List<Schedule> s = List.of(Planner.schedule(Workloads.tinyGpt(), Strategy.parse("keep")),
                Planner.schedule(Workloads.tinyGpt(), Strategy.parse("full+mb2")));
        try (CudaBackend cuda = new CudaBackend(new RecordingDeviceApi(80L << 30, "ptx"), BackendOptions.defaults(),
                Planner.CUDA_CONTEXT_BYTES, null);
             Backend sim = Backends.open("sim", BackendOptions.defaults())) {
            List<CrossCheck.Row> rows = CrossCheck.run(cuda, sim, s, 2, 1);
            for (CrossCheck.Row r : rows) {
                assertEquals("sim", r.sim().backend());
                assertTrue(r.ok(), r.toString());
                assertTrue(r.stepRatio() > 0 && Double.isFinite(r.peakRatio()), r.toString());
            }
        }
    }
}
