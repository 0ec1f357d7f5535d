package io.accessplan.collector.sim;

import io.accessplan.collector.Preset;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.DeviceProfile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The twin's devices: the measured ones, and the card under the power-of-two caps around them. */
class TwinSweepTest {
    private static final long GIB = 1L << 30;

    @Test
    void theTwinRunsTheCardUnderThePowerOfTwoCapsFromHalfTheSmallestToTwiceTheLargest() {
        CalibrationProfile p = CalibrationProfileTest.profile();   // the H200 at 2 and 4 GiB
        List<DeviceProfile> ds = TwinSweep.devices(p);
        assertEquals(List.of("nvidia-h200-cap2gib", "nvidia-h200-cap4gib", "nvidia-h200-cap1gib", "nvidia-h200-cap8gib"),
                ds.stream().map(DeviceProfile::name).toList());
        assertEquals(p.devices(), ds.subList(0, 2), "the measured devices as they were measured");
        Map<String, DeviceProfile> by = ds.stream().collect(Collectors.toMap(DeviceProfile::name, Function.identity()));
        assertEquals(GIB, by.get("nvidia-h200-cap1gib").memoryBytes());
        assertEquals(8 * GIB, by.get("nvidia-h200-cap8gib").memoryBytes());
        // each takes the rates of the measured device nearest in capacity
        assertEquals(p.devices().get(0).memBandwidthGBps(), by.get("nvidia-h200-cap1gib").memBandwidthGBps());
        assertEquals(p.devices().get(1).memBandwidthGBps(), by.get("nvidia-h200-cap8gib").memBandwidthGBps());
        assertEquals(p.devices().get(1).pcieGen(), by.get("nvidia-h200-cap8gib").pcieGen());
        assertEquals(Set.of("nvidia-h200"), ds.stream().map(DeviceProfile::card).collect(Collectors.toSet()));
    }

    @Test
    void noCapExceedsTheWholeCard() {
        CalibrationProfile p = CalibrationProfileTest.profile();
        DeviceProfile s = p.devices().get(1);
        DeviceProfile whole = new DeviceProfile("nvidia-h200", 6 * GIB, s.memBandwidthGBps(), s.tensorTflops16(), 0,
                s.fp32Tflops(), true, 0, s.h2dGBps(), s.d2hGBps(), s.gemmTable(), "");
        List<Long> caps = TwinSweep.devices(p.appliedTo(List.of(s, whole))).stream().map(DeviceProfile::memoryBytes)
                .toList();
        assertEquals(List.of(4 * GIB, 6 * GIB, 2 * GIB), caps);   // 8 GiB would exceed the card's 6
    }

    @Test
    void theTwinsRowsAreSimulatedOnItsDevices() {
        CalibrationProfile p = CalibrationProfileTest.profile();
        List<DatasetRow> rows = TwinSweep.rows(p, Preset.byName("small"), 1, 7);
        Set<String> names = TwinSweep.devices(p).stream().map(DeviceProfile::name).collect(Collectors.toSet());
        assertTrue(!rows.isEmpty());
        for (DatasetRow r : rows) {
            assertEquals("sim", r.measurement().backend());
            assertTrue(names.contains(r.workload().device().name()), r.workload().device().name());
        }
        assertTrue(rows.stream().map(r -> r.workload().device().name()).distinct().count() >= 3,
                "the workloads spread over the devices");
    }
}
