package io.accessplan.collector.sim;

import io.accessplan.collector.Preset;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.DeviceProfile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The twin's devices: the card's, each twin workload at its own rates within the band around the card's. */
class TwinSweepTest {

    @Test
    void aVariantIsTheCardsDeviceAtScaledRatesAndStaysOfItsCard() {
        DeviceProfile d = CalibrationProfileTest.profile().devices().get(0);   // nvidia-h200-cap2gib
        DeviceProfile v = TwinSweep.variant(d, 17, 0.8, 1.25);
        assertEquals("nvidia-h200-cap2gib~t17-bw0.8000-gemm1.2500", v.name());
        assertEquals("nvidia-h200", v.card());
        assertEquals(d.memoryBytes(), v.memoryBytes());
        assertEquals(0.8 * d.memBandwidthGBps(), v.memBandwidthGBps(), 1e-9);
        assertEquals(1.25 * d.tensorTflops16(), v.tensorTflops16(), 1e-9);
        assertEquals(1.25 * d.fp32Tflops(), v.fp32Tflops(), 1e-9);
        assertEquals(d.h2dGBps(), v.h2dGBps());   // the host link is the host's
        assertEquals(d.gemmTable(), v.gemmTable());
    }

    @Test
    void theTwinsRowsAreSimulatedOnTheCardAtRatesWithinTheBand() {
        CalibrationProfile p = CalibrationProfileTest.profile();
        List<DatasetRow> rows = TwinSweep.rows(p, Preset.byName("small"), 1, 7);
        assertTrue(rows.size() > 100, "rows " + rows.size());
        Map<String, DeviceProfile> measured = p.devices().stream()
                .collect(Collectors.toMap(DeviceProfile::name, x -> x));
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (DatasetRow r : rows) {
            DeviceProfile v = r.workload().device();
            assertEquals("sim", r.measurement().backend());
            assertEquals("nvidia-h200", v.card(), v.name());
            DeviceProfile of = measured.get(v.name().substring(0, v.name().indexOf('~')));
            double kb = v.memBandwidthGBps() / of.memBandwidthGBps();
            double kc = v.tensorTflops16() / of.tensorTflops16();
            for (double k : new double[]{kb, kc}) {
                assertTrue(k >= 1 / TwinSweep.RATE_BAND - 1e-12 && k <= TwinSweep.RATE_BAND + 1e-12, v.name());
                lo = Math.min(lo, k);
                hi = Math.max(hi, k);
            }
            assertEquals(kc, v.fp32Tflops() / of.fp32Tflops(), 1e-12);
        }
        assertTrue(lo < 0.85 && hi > 1.2, "the draws fill the band: " + lo + ".." + hi);
        Set<String> workloads = rows.stream().map(r -> r.workload().id()).collect(Collectors.toSet());
        assertEquals(workloads.size(), rows.stream().map(r -> r.workload().device().name()).distinct().count(),
                "each workload its own device");
    }
}
