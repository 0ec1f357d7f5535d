package io.accessplan.model.evaluate;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.model.Observation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The speed-up over the best all-or-nothing strategy, on hand-built workloads with hand-computed values. */
class PartialGainTest {

    private static Workload workload(int layers) {
        return new Workload(ModelSpec.of(Family.GPT, layers, 768, 12), new TrainingConfig(512, 8, Precision.FP16,
                OptimizerKind.ADAM, AttentionKind.FUSED), DeviceCatalog.builtin().get("t4-16gb"));
    }

    private static EvaluationReport.RowPrediction row(Workload w, String s, double ms, boolean oom) {
        return new EvaluationReport.RowPrediction(new Observation(w, Strategy.parse(s), new Measurement("synthetic", 1,
                oom ? Double.NaN : ms, 0, 1L << 30, oom, 0, 0, 0, 0, "")), 0, 0);
    }

    private static EvaluationReport.WorkloadResult pick(Workload w, String s) {
        return new EvaluationReport.WorkloadResult(w, Strategy.parse(s), Strategy.parse(s), 0, false, false);
    }

    @Test
    void theAllOrNothingFiguresAreTheChoiceAmongTheRowsWithoutALayerCount() {
        Workload a = workload(8);
        List<Observation> rows = new ArrayList<>();
        double[] t = {100, 130, 105};
        double[] p = {20e9, 5e9, 9e9};
        for (String s : new String[]{"keep", "full", "full:4"}) {
            rows.add(row(a, s, s.equals("keep") ? 0 : s.equals("full") ? 130 : 104, s.equals("keep")).row());
        }
        EvaluationReport r = Evaluator.report(rows, Evaluator.exactPlans(rows), t, p, 0.05);
        assertEquals("full:4", r.workloads().get(0).chosen().toString());
        assertEquals(0.0, r.model().meanRegret(), 1e-12);
        Metrics whole = r.allOrNothing();
        assertEquals(1, whole.workloads());
        assertEquals(0.0, whole.meanRegret(), 1e-12);   // full is the best of its own space
        assertEquals(Evaluator.score(rows.subList(0, 2), new double[]{100, 130}, new double[]{20e9, 5e9}, 0.05), whole);
        assertEquals(130.0 / 104 - 1, r.partialGain().meanSpeedup(), 1e-12);
        List<Observation> wholeRows = rows.subList(0, 2);
        assertEquals(null, Evaluator.report(wholeRows, Evaluator.exactPlans(wholeRows), new double[]{100, 130},
                new double[]{20e9, 5e9}, 0.05).allOrNothing());
    }

    @Test
    void speedUpsOfHandBuiltChoicesEqualTheHandComputedValues() {
        Workload a = workload(8);
        Workload b = workload(10);
        Workload c = workload(12);
        Workload d = workload(14);
        List<EvaluationReport.RowPrediction> rows = new ArrayList<>();
        // A: keep does not fit, full 130, full:4 100 (picked, also the best): 130/100 - 1 = 0.30
        rows.add(row(a, "keep", 0, true));
        rows.add(row(a, "full", 130, false));
        rows.add(row(a, "full:4", 100, false));
        // B: keep does not fit, full 120 picked though full:6 110 was best: 0; oracle 120/110 - 1
        rows.add(row(b, "keep", 0, true));
        rows.add(row(b, "full", 120, false));
        rows.add(row(b, "full:6", 110, false));
        // C: keep does not fit; the pick full:3 does not fit either: an oom, not a speed-up; oracle 0
        rows.add(row(c, "keep", 0, true));
        rows.add(row(c, "full", 90, false));
        rows.add(row(c, "full:3", 0, true));
        // D: keep fits: not counted
        rows.add(row(d, "keep", 50, false));
        rows.add(row(d, "full", 70, false));
        List<EvaluationReport.WorkloadResult> picks = List.of(pick(a, "full:4"), pick(b, "full"), pick(c, "full:3"),
                pick(d, "keep"));
        PartialGain g = PartialGain.of(rows, picks);
        assertEquals(3, g.workloads());
        assertEquals((0.30 + 0.0) / 2, g.meanSpeedup(), 1e-12);
        assertEquals((0.30 + (120.0 / 110 - 1) + 0.0) / 3, g.oracleMeanSpeedup(), 1e-12);
        assertEquals(2.0 / 3, g.partialPicks(), 1e-12);
        assertEquals(1.0 / 3, g.oomRate(), 1e-12);
    }
}
