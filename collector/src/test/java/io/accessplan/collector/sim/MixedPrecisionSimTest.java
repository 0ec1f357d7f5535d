package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.MixedPrecision;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpTemplate;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator replays both mixed-precision layouts: the planner's memory, and autocast's casts as memory-bound kernels. */
class MixedPrecisionSimTest {
    private static final DeviceCatalog CATALOG = DeviceCatalog.builtin();
    private final SimBackend sim = new SimBackend();

    private static Workload bertLarge(int seq, int batch, Precision p, MixedPrecision mp) {
        return new Workload(ModelSpec.of(Family.BERT, 24, 1024, 16, null, 4096, 30522),
                new TrainingConfig(seq, batch, p, OptimizerKind.ADAM, AttentionKind.NAIVE, mp), CATALOG.get("a100-sxm-80gb"));
    }

    @ParameterizedTest
    @CsvSource({"master,keep", "autocast,keep", "autocast,selective", "autocast,full", "autocast,sqrt",
            "autocast,offload", "autocast,keep+mb4", "autocast,full:6+mb2+opt_offload", "master,full+mb2"})
    void theSimulatedPeakIsThePlannersPeakWithinTheAllocatorsRounding(String mp, String strategy) {
        Workload w = bertLarge(512, 16, Precision.FP16, MixedPrecision.parse(mp));
        Schedule s = Planner.schedule(w, Strategy.parse(strategy));
        Plan plan = s.plan();
        Measurement m = sim.measure(s, 1, 0);
        assertFalse(m.oom());
        long rounding = m.peakMemoryBytes() - plan.peakMemoryBytes();
        // every block rounds up to 512 bytes or a 2 MiB segment; a few hundred live tensors at the peak
        assertTrue(rounding >= 0 && rounding <= 0.01 * plan.peakMemoryBytes(),
                strategy + ": sim " + m.peakMemoryBytes() + " vs planner " + plan.peakMemoryBytes());
    }

    @ParameterizedTest
    @CsvSource({"128,64", "512,16"})
    void autocastNeedsMoreMemoryThanTheMasterLayoutByWhatThePlannerSays(int seq, int batch) {
        Workload master = bertLarge(seq, batch, Precision.BF16, MixedPrecision.MASTER);
        Workload autocast = bertLarge(seq, batch, Precision.BF16, MixedPrecision.AUTOCAST);
        Strategy keep = Strategy.parse("keep");
        long planned = Planner.plan(autocast, keep).peakMemoryBytes() - Planner.plan(master, keep).peakMemoryBytes();
        long simulated = sim.measure(Planner.schedule(autocast, keep), 1, 0).peakMemoryBytes()
                - sim.measure(Planner.schedule(master, keep), 1, 0).peakMemoryBytes();
        assertTrue(planned > 0);
        assertEquals(planned, simulated, 0.02 * planned);
    }

    @ParameterizedTest
    @CsvSource({"fp16", "bf16"})
    void autocastsCastsAreMemoryBoundKernelsOfTheirBytesAndMakeTheStepSlower(String prec) {
        Precision p = Precision.parse(prec);
        Workload autocast = bertLarge(128, 32, p, MixedPrecision.AUTOCAST);
        Schedule s = Planner.schedule(autocast, Strategy.parse("keep"));
        DeviceModel dm = sim.model(autocast.device(), p);
        int casts = 0;
        for (Op op : s.ops()) {
            if (op.template() == OpTemplate.WEIGHT_CAST || op.template() == OpTemplate.NORM1_CAST) {
                assertEquals((op.bytesRead() + op.bytesWritten()) * dm.pointwiseSecondsPerByte,
                        SimBackend.duration(op, dm, GradientValues.of(s), SimBackend.adam(s)), 1e-15);
                casts++;
            }
        }
        // weight casts and their backward (4 GEMM weights a layer and the head), and norm1 casts forward and backward
        assertEquals(2 * (24 * 4 + 1) + 2 * 24, casts);
        double master = sim.replay(Planner.schedule(bertLarge(128, 32, p, MixedPrecision.MASTER), Strategy.parse("keep")))
                .seconds();
        assertTrue(sim.replay(s).seconds() > 1.05 * master);
    }
}
