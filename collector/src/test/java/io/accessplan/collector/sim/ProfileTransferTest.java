package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A profile applied to another card of its engine ({@link CalibrationProfile#appliedTo}) keeps every
 * fitted parameter and runs at that card's peaks; it round-trips; another engine's card is refused.
 */
class ProfileTransferTest {
    /** A card of the same engine as {@link CalibrationProfileTest#profile()}'s H200, every rate {@code k} times. */
    static DeviceProfile sibling(DeviceProfile d, double k) {
        return new DeviceProfile("nvidia-h100-80gb-hbm3-cap4gib", d.memoryBytes(), k * d.memBandwidthGBps(),
                k * d.tensorTflops16(), k * d.tf32Tflops(), k * d.fp32Tflops(), d.bf16(), d.pcieGen(), k * d.h2dGBps(),
                k * d.d2hGBps(), d.gemmTable(), "a card of the same engine");
    }

    @Test
    void aProfileAppliedToAnotherCardKeepsItsParametersAndRunsAtThatCardsPeaks() {
        CalibrationProfile p = CalibrationProfileTest.profile();
        DeviceProfile source = p.devices().get(1);   // the 4 GiB one
        DeviceProfile target = sibling(source, 2);
        CalibrationProfile q = p.appliedTo(List.of(target));
        assertEquals("nvidia-h100-80gb-hbm3", q.card());
        assertEquals(List.of(target), q.devices());
        assertEquals(p.table(), q.table());   // values, standard errors and fitted flags
        assertEquals(p.parameters(), q.parameters());
        assertEquals("nvidia-h200", q.fittedCard());
        assertEquals(List.of("datasets/data/cuda-h200", CalibrationProfile.TRANSFERRED_FROM + "nvidia-h200"), q.data());

        // what carries over is a fraction of the peaks: a step that runs on the device alone (no host optimizer)
        // takes A + B / k on a card with every rate k times the source's, A the fixed kernel latencies (the GEMM
        // curve's measured latency, launches), B the rate-bound rest: so T(1) - T(2) = 2 (T(2) - T(4)), exactly
        Workload onSource = workload(source);
        int compared = 0;
        for (Strategy s : Strategy.candidates(onSource)) {
            if (s.optimizerOffload()) {
                continue;
            }
            double t1 = ms(workload(p.appliedTo(List.of(sibling(source, 1))).devices().get(0)), s, q.parameters());
            double t2 = ms(workload(target), s, q.parameters());
            double t4 = ms(workload(p.appliedTo(List.of(sibling(source, 4))).devices().get(0)), s, q.parameters());
            assertEquals(t1 - t2, 2 * (t2 - t4), 1e-9 * t1, s.toString());
            assertTrue(t2 < t1 && t2 > t1 / 2, s + ": the rate-bound part dominates, the latencies remain");
            compared++;
        }
        assertTrue(compared >= 10, "compared " + compared);
    }

    @Test
    void aTransferRoundTripsThroughItsFileAndBackToItsCard(@TempDir Path dir) throws Exception {
        CalibrationProfile p = CalibrationProfileTest.profile();
        CalibrationProfile q = p.appliedTo(List.of(sibling(p.devices().get(1), 1.5)));
        Path f = dir.resolve("h100-from-h200.json");
        q.save(f);
        CalibrationProfile back = CalibrationProfile.load(f);
        assertEquals(q, back);
        assertEquals("nvidia-h200", back.fittedCard());
        assertEquals(p, back.appliedTo(p.devices()), "applied back to its own card it is the fit again");
        assertEquals(p.card(), p.fittedCard());
    }

    @Test
    void aProfileIsRefusedInOneLineForACardOfAnotherEngine() {
        CalibrationProfile p = CalibrationProfileTest.profile();
        DeviceProfile catalog = DeviceCatalog.builtin().get("h100-sxm-80gb");   // the simulator's GEMM table
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.appliedTo(List.of(catalog)));
        assertEquals("Profile of card nvidia-h200 (engine 'measured:cuda', bf16 true) cannot be applied to device"
                + " h100-sxm-80gb (engine 'xla-h100', bf16 true): its parameters are fractions of another engine's"
                + " rates", e.getMessage());
        DeviceProfile s = p.devices().get(0);
        DeviceProfile noBf16 = new DeviceProfile("nvidia-v100-cap4gib", s.memoryBytes(), s.memBandwidthGBps(),
                s.tensorTflops16(), 0, s.fp32Tflops(), false, 0, s.h2dGBps(), s.d2hGBps(), s.gemmTable(), "");
        e = assertThrows(IllegalArgumentException.class, () -> p.appliedTo(List.of(noBf16)));
        assertTrue(e.getMessage().contains("device nvidia-v100-cap4gib"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        e = assertThrows(IllegalArgumentException.class,
                () -> p.appliedTo(List.of(sibling(s, 1), p.devices().get(1))));
        assertEquals("Invalid target devices: nvidia-h200-cap4gib is not of card nvidia-h100-80gb-hbm3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.appliedTo(List.of()));
    }

    private static Workload workload(DeviceProfile d) {
        return new Workload(ModelSpec.of(Family.GPT, 4, 512, 8),
                new TrainingConfig(256, 4, Precision.BF16, OptimizerKind.ADAM, AttentionKind.NAIVE), d);
    }

    private static double ms(Workload w, Strategy s, SimParameters p) {
        return Calibration.simulatedMs(List.of(new Calibration.Point(Planner.schedule(w, s), 1, w.architectureId())),
                p)[0];
    }
}
