package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.model.evaluate.Metrics;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Measured rows in training and evaluation: their weight, their protocols, their out-of-memory peaks. */
class MeasuredValidationTest {

    /** A synthetic row relabelled as measured by {@code cuda} on a memory-capped card of its own. */
    private static Observation measured(Observation o, String card) {
        DeviceProfile d = o.workload().device();
        DeviceProfile c = new DeviceProfile(card + "-cap" + (d.memoryBytes() >> 30) + "gib", d.memoryBytes(),
                d.memBandwidthGBps() * 0.6, d.tensorTflops16() * 0.05, 0, d.fp32Tflops() * 0.5, true, d.pcieGen(),
                d.h2dGBps(), d.d2hGBps(), "measured:cuda", "test");
        Measurement m = o.measurement();
        return new Observation(new Workload(o.workload().model(), o.workload().training(), c), o.strategy(),
                new Measurement("cuda", m.repeats(), m.stepTimeMs() * 2.3, m.stepTimeMsStdev(), m.peakMemoryBytes(),
                        m.oom(), m.pcieBytes(), m.hbmBytes(), m.flops(), m.recomputeFlops(), "gemm=ptx"));
    }

    private static List<Observation> rows() {
        List<Observation> sim = SyntheticRows.rows(SyntheticRows.workloads(24, 7));
        List<Observation> out = new ArrayList<>(sim);
        List<Observation> more = SyntheticRows.rows(SyntheticRows.workloads(16, 99));
        for (int i = 0; i < more.size(); i++) {
            out.add(measured(more.get(i), i % 2 == 0 ? "nvidia-x" : "nvidia-y"));
        }
        return out;
    }

    @Test
    void aMissWhoseBestDoesMoreWorkIsCountedAndWithinNoiseWhenTheGapIsUnderTwoStandardDeviations() {
        List<Workload> ws = SyntheticRows.workloads(4, 5);
        io.accessplan.features.Strategy keep = io.accessplan.features.Strategy.parse("keep");
        io.accessplan.features.Strategy offload = io.accessplan.features.Strategy.parse("offload");
        // (keep ms, keep sd, offload ms, offload sd) per workload
        double[][] t = {{100.0, 0.3, 99.5, 0.3}, {100.0, 0.1, 99.0, 0.1}, {99.0, 0.1, 100.0, 0.1}, {100, 1, 101, 1}};
        List<EvaluationReport.RowPrediction> rows = new ArrayList<>();
        List<EvaluationReport.WorkloadResult> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Workload w = ws.get(i);
            rows.add(new EvaluationReport.RowPrediction(new Observation(w, keep,
                    new Measurement("cuda", 5, t[i][0], t[i][1], 1L << 30, false, 0, 0, 1, 0, "")), 1, 1));
            rows.add(new EvaluationReport.RowPrediction(new Observation(w, offload,
                    new Measurement("cuda", 5, t[i][2], t[i][3], 1L << 30, false, 0, 0, 1, 0, "")), 1, 1));
        }
        // 0: keep chosen, offload best by 0.5 ms, 2 sd = 2 hypot(0.3, 0.3) = 0.85: noise
        results.add(new EvaluationReport.WorkloadResult(ws.get(0), keep, offload, 0.005, false, false));
        // 1: keep chosen, offload best by 1 ms, 2 sd = 0.28: a real miss of the rule
        results.add(new EvaluationReport.WorkloadResult(ws.get(1), keep, offload, 0.0101, false, false));
        // 2: offload chosen, keep best: the best does less work, an ordinary miss
        results.add(new EvaluationReport.WorkloadResult(ws.get(2), offload, keep, 0.0101, false, false));
        results.add(new EvaluationReport.WorkloadResult(ws.get(3), keep, keep, 0, false, true));
        Metrics none = new Metrics(4, 0.25, 0, 0, 0, 0, 0);
        EvaluationReport r = new EvaluationReport(none, Map.of(), 0, rows, results);
        assertEquals(new MeasuredValidation.Misses(4, 3, 2, 1), MeasuredValidation.misses(r));
        assertTrue(MeasuredValidation.misses(r).toText().startsWith("top-1 misses: 3 of 4 workloads; in 2 "));
    }

    @Test
    void aMeasuredOutOfMemoryPeakIsALowerBoundAndNeitherTrainedOnNorScored() {
        Observation sim = SyntheticRows.rows(SyntheticRows.workloads(1, 3)).get(0);
        Measurement m = sim.measurement();
        Observation oomCuda = new Observation(sim.workload(), sim.strategy(), new Measurement("cuda", 1, Double.NaN,
                Double.NaN, 1L << 30, true, 0, 0, 0, 0, "oom"));
        Observation oomSim = new Observation(sim.workload(), sim.strategy(), new Measurement("sim", 1, Double.NaN,
                Double.NaN, 1L << 30, true, 0, 0, 0, 0, ""));
        assertFalse(oomCuda.peakIsWhole());
        assertTrue(oomSim.peakIsWhole());
        assertTrue(sim.peakIsWhole());
        EncodedRows d = EncodedRows.of(List.of(sim, oomCuda, oomSim));
        assertEquals(m.peakMemoryBytes(), d.peak(0), 0.0);
        assertEquals(0, d.peak(1), 0.0);
        assertEquals(1L << 30, d.peak(2), 0.0);
        assertEquals(List.of(0, 2), Arrays.stream(d.usable(new int[]{0, 1, 2}, false)).boxed().toList());
        // scored: a prediction far off the lower bound costs nothing, on the whole peak it does
        double[] t = {1, 1, 1};
        double exact = m.peakMemoryBytes();
        Metrics s = Evaluator.score(List.of(sim, oomCuda), t, new double[]{exact * 1.1, 5e9}, 0);
        assertEquals(0.1, s.peakMemoryMape(), 1e-12);
    }

    @Test
    void weightingRepeatsEveryMeasuredRowAndNothingElse() {
        List<Observation> rows = rows();
        EncodedRows d = EncodedRows.of(rows);
        int[] all = IntStream.range(0, rows.size()).toArray();
        int[] w = d.weighted(all, 3);
        long measured = rows.stream().filter(MeasuredValidation::measured).count();
        assertEquals(rows.size() + 2 * measured, w.length);
        Map<Integer, Long> counts = Arrays.stream(w).boxed().collect(Collectors.groupingBy(i -> i, Collectors.counting()));
        for (int i : all) {
            assertEquals(MeasuredValidation.measured(rows.get(i)) ? 3L : 1L, counts.get(i), "row " + i);
        }
        assertEquals(all, d.weighted(all, 1));
    }

    @Test
    void theMeasuredProtocolsTestMeasuredRowsOnlyAndEveryOneOfThem() {
        List<Observation> rows = rows();
        TrainOptions o = TrainOptions.defaults().withTrees(15, 4).withFolds(2);
        Set<String> measuredWorkloads = rows.stream().filter(MeasuredValidation::measured)
                .map(r -> r.workload().id()).collect(Collectors.toSet());
        Map<String, EvaluationReport> a = MeasuredValidation.groupedByArchitecture(rows, o, 3, 1);
        assertEquals(List.of("all", "nvidia-x", "nvidia-y"), List.copyOf(a.keySet()));
        int perCard = a.get("nvidia-x").model().workloads() + a.get("nvidia-y").model().workloads();
        assertEquals(a.get("all").model().workloads(), perCard);
        assertTrue(a.get("all").model().workloads() <= measuredWorkloads.size());
        assertTrue(a.get("all").model().workloads() >= measuredWorkloads.size() - 4, "only those with nothing fitting drop");
        Map<String, EvaluationReport> b = MeasuredValidation.leaveOneCardOut(rows, o, 1);
        assertEquals(Set.of("nvidia-x", "nvidia-y"), b.keySet());
        assertEquals(a.get("nvidia-x").model().workloads(), b.get("nvidia-x").model().workloads());
        for (EvaluationReport r : b.values()) {
            assertEquals(Set.copyOf(Evaluator.BASELINES), r.baselines().keySet());
            assertTrue(Double.isFinite(r.model().stepTimeMape()), "every held-out row predicted: " + r.model());
        }
        // one card only: no leave-one-card-out
        List<Observation> oneCard = rows.stream()
                .filter(r -> !r.workload().device().card().equals("nvidia-y")).toList();
        assertTrue(MeasuredValidation.leaveOneCardOut(oneCard, o, 1).isEmpty());
    }
}
