package io.accessplan.collector.sim;

import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profile file: it round-trips, and a bad or foreign one is refused with a one-line reason. */
class CalibrationProfileTest {

    static CalibrationProfile profile() {
        Map<SimParameters.Name, CalibrationProfile.Parameter> t = new LinkedHashMap<>();
        SimParameters truth = CalibrationTest.truth();
        for (SimParameters.Name n : SimParameters.Name.values()) {
            boolean fitted = n != SimParameters.Name.COPY_EFFICIENCY && n != SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS
                    && n != SimParameters.Name.HOST_ADAM_SECONDS;
            String source = n == SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS
                    ? CalibrationProfile.SOURCE_HOST_BENCHMARK + "HostOptimizer.update on a Xeon, ratio 15.4"
                    : n == SimParameters.Name.HOST_ADAM_SECONDS ? CalibrationProfile.SOURCE_PRIOR + "h100.json" : null;
            t.put(n, new CalibrationProfile.Parameter(truth.get(n), fitted ? 0.01 * (1 + n.ordinal()) : Double.NaN,
                    fitted, source));
        }
        DeviceProfile h = DeviceCatalog.builtin().get("h100-sxm-80gb");
        DeviceProfile cap2 = new DeviceProfile("nvidia-h200-cap2gib", 2L << 30, 2031.4, 31.8, 0, 20.6, true, 0, 55.3,
                55.2, "measured:cuda", "measured by the accessplan cuda backend");
        DeviceProfile cap4 = new DeviceProfile("nvidia-h200-cap4gib", 4L << 30, h.memBandwidthGBps(), 31.8, 0, 20.6,
                true, 5, 55.3, 55.2, "measured:cuda", "");
        return new CalibrationProfile("nvidia-h200", List.of(cap2, cap4),
                "2026-12-01T00:00:00Z", List.of("datasets/data/cuda-h200"), 450, List.of("a1", "b2"), List.of("c3"), t,
                Map.of("p90_abs_log", 0.13, "rows", 450.0), Map.of("p90_abs_log", 0.19, "rows", 166.0));
    }

    @Test
    void aProfileRoundTripsThroughItsFile(@TempDir Path dir) throws Exception {
        CalibrationProfile p = profile();
        Path f = dir.resolve("h200.json");
        p.save(f);
        CalibrationProfile back = CalibrationProfile.load(f);
        assertEquals(p, back);
        assertEquals(CalibrationTest.truth(), back.parameters());
        assertEquals(List.of("h200.json"), Files.list(dir).map(x -> x.getFileName().toString()).toList(),
                "no temporary file left");
        String text = Files.readString(f);
        assertTrue(text.contains("\"format\" : \"accessplan-sim-profile\""), text);
        assertTrue(text.contains("\"stderr\""), text);   // the absolute error beside the log one
        // where each value comes from: fitted, the simulator's default, a prior profile, a host benchmark
        assertEquals(CalibrationProfile.SOURCE_FITTED, back.table().get(SimParameters.Name.GEMM_FILL).source());
        assertEquals(CalibrationProfile.SOURCE_DEFAULT, back.table().get(SimParameters.Name.COPY_EFFICIENCY).source());
        assertEquals("prior: h100.json", back.table().get(SimParameters.Name.HOST_ADAM_SECONDS).source());
        assertEquals("host-benchmark: HostOptimizer.update on a Xeon, ratio 15.4",
                back.table().get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS).source());
        assertEquals(5e-10, back.parameters().get(SimParameters.Name.HOST_ADAM_SECONDS));   // the new parameter's own trip
    }

    @Test
    void aProfileFromBeforeSourcesReadsEachAsFittedOrDefault(@TempDir Path dir) throws Exception {
        String old = profile().toJson().replaceAll("(\"fitted\" : (true|false)),\\s*\"source\" : \"[^\"]*\"", "$1");
        assertFalse(old.contains("\"source\" : \"fitted\""), old);
        assertTrue(old.contains("\"source\" : \"measured by the accessplan cuda backend\""), "devices keep theirs");
        Path f = dir.resolve("old.json");
        Files.writeString(f, old);
        CalibrationProfile back = CalibrationProfile.load(f);
        assertEquals(profile().parameters(), back.parameters());
        for (SimParameters.Name n : SimParameters.Name.values()) {
            CalibrationProfile.Parameter p = back.table().get(n);
            assertEquals(p.fitted() ? CalibrationProfile.SOURCE_FITTED : CalibrationProfile.SOURCE_DEFAULT, p.source(),
                    n.key());
        }
        // the shipped profiles read, and say where each value comes from
        for (String card : List.of("cuda-h200", "cuda-h100")) {
            CalibrationProfile shipped = CalibrationProfile.load(Path.of("..", "datasets", "data", card, "sim-profile.json"));
            for (CalibrationProfile.Parameter p : shipped.table().values()) {
                assertFalse(p.source().isBlank(), card);
            }
        }
    }

    @Test
    void aProfileFromBeforeTheValueCostsReadsWithThemAtTheSimulatorsValues(@TempDir Path dir) throws Exception {
        String good = profile().toJson();
        String old = good;
        for (SimParameters.Name n : SimParameters.Name.values()) {
            if (n.optional()) {
                old = old.replaceAll("(?s),\\s*\"" + n.key() + "\" : \\{[^}]*}", "");
            }
        }
        assertFalse(old.contains("host_fp16_zero_cast_fraction"), old);
        Path f = dir.resolve("old.json");
        Files.writeString(f, old);
        CalibrationProfile back = CalibrationProfile.load(f);
        SimParameters expected = CalibrationTest.truth();
        for (SimParameters.Name n : SimParameters.Name.values()) {
            if (n.optional()) {
                expected = expected.with(n, n.defaultValue());
                assertFalse(back.table().get(n).fitted(), n.key());
                assertTrue(Double.isNaN(back.table().get(n).logStderr()), n.key());
            }
        }
        assertEquals(expected, back.parameters());
        // the parameters of the first profiles stay required
        assertEquals(15, java.util.Arrays.stream(SimParameters.Name.values()).filter(n -> !n.optional()).count());
        // and a bad value of a new one is refused like any other
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, good.replaceAll("(\"host_fp16_zero_cast_fraction\" : \\{\\s*\"value\" : )0.6", "$1-0.6"));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CalibrationProfile.load(bad));
        assertEquals("Bad profile " + bad + ": Invalid host_fp16_zero_cast_fraction: -0.6", x.getMessage());
    }

    @Test
    void theCardIsTheDeviceWithoutItsMemoryCap() {
        DeviceProfile h100 = DeviceCatalog.builtin().get("h100-sxm-80gb");
        for (var e : Map.of("nvidia-h200-cap2gib", "nvidia-h200", "nvidia-h100-80gb-hbm3-cap4gib",
                "nvidia-h100-80gb-hbm3", "nvidia-h200-cap2.5gib", "nvidia-h200", "h100-sxm-80gb", "h100-sxm-80gb",
                "cap4gib-card", "cap4gib-card", "nvidia-h200-cap2gib~t3-bw0.9000-gemm1.1000", "nvidia-h200",
                "nvidia-h200~t4-bw1.0000-gemm1.0000", "nvidia-h200").entrySet()) {
            DeviceProfile d = new DeviceProfile(e.getKey(), 1L << 30, 100, 10, 0, 5, true, 4, 10, 10, "", "");
            assertEquals(e.getValue(), CalibrationProfile.cardOf(d), e.getKey());
        }
        assertFalse(profile().covers(h100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> profile().requireCard(h100));
        assertEquals("Profile is for card nvidia-h200, not for device h100-sxm-80gb", e.getMessage());
    }

    @Test
    void aBadProfileIsRefusedInOneLineNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        String good = profile().toJson();
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{ not json", "not JSON");
        bad.put("[1, 2]", "not a JSON object");
        bad.put(good.replace("accessplan-sim-profile", "accessplan-model"), "format is 'accessplan-model'");
        bad.put(good.replace("\"version\" : 1", "\"version\" : 99"), "unsupported version 99");
        bad.put(good.replace("\"gemm_fill\"", "\"gemm_fil\""), "unknown parameter gemm_fil");
        bad.put(good.replace("\"value\" : 0.45", "\"value\" : -0.45"), "Invalid gemm_efficiency_16: -0.45");
        bad.put(good.replace("\"card\" : \"nvidia-h200\"", "\"card\" : \"\""), "Invalid card");
        bad.put(good.replace("\"card\" : \"nvidia-h200\"", "\"card\" : \"nvidia-h100\""),
                "device nvidia-h200-cap2gib is not of card nvidia-h100");
        bad.put(good.replace("\"memory_bytes\" : 2147483648", "\"memory_bytes\" : \"2G\""),
                "device nvidia-h200-cap2gib has no numeric memory_bytes");
        // a fitted parameter that claims another source, and one whose source is not text
        bad.put(good.replaceFirst("(\"gemm_fill\" : \\{[^}]*\"source\" : )\"fitted\"", "$1\"default\""),
                "parameter gemm_fill: source 'default' of a fitted parameter");
        bad.put(good.replaceFirst("(\"gemm_fill\" : \\{[^}]*\"source\" : )\"fitted\"", "$1 3"),
                "parameter gemm_fill has a source that is not text");
        int i = 0;
        for (var e : bad.entrySet()) {
            Path f = dir.resolve("bad" + i++ + ".json");
            Files.writeString(f, e.getKey());
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CalibrationProfile.load(f));
            assertTrue(x.getMessage().startsWith("Bad profile " + f + ": "), x.getMessage());
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
            assertFalse(x.getMessage().contains("\n"), x.getMessage());
        }
        // a profile missing a parameter is refused too
        Path f = dir.resolve("missing.json");
        Files.writeString(f, good.replaceAll("(?s),\\s*\"copy_efficiency\" : \\{[^}]*}", ""));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CalibrationProfile.load(f));
        assertTrue(x.getMessage().contains("copy_efficiency"), x.getMessage());
    }
}
