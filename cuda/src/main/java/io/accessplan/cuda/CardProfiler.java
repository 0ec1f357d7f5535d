package io.accessplan.cuda;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceApi;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DeviceEvent;
import io.accessplan.cuda.device.Gemm;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.cuda.device.KernelArg;
import io.accessplan.cuda.device.KernelLaunch;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Repeats;
import io.accessplan.features.plan.StreamKind;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures the card the backend runs on, so its rows carry the card's own numbers rather than
 * the catalog's: pinned host-to-device and device-to-host bandwidth, device copy bandwidth, and
 * the achieved GEMM rate on a few square and skinny shapes, each the median of timed repeats
 * after a warm-up, timed with CUDA events.
 */
public final class CardProfiler {
    /** Bytes moved by each bandwidth measurement. */
    public static final long COPY_BYTES = 256L << 20;
    /** Timed repeats of each measurement (after one warm-up). */
    public static final int REPEATS = 5;
    /** GEMM shapes (m, n, k) measured in 16-bit and fp32. */
    public static final List<int[]> GEMM_SHAPES = List.of(new int[]{4096, 4096, 4096}, new int[]{8192, 8192, 1024},
            new int[]{16384, 1024, 4096});

    /**
     * The profile and how it was obtained.
     *
     * @param profile    the card as a DeviceProfile
     * @param provenance every measured number and setting, for the dataset footer
     */
    public record Result(DeviceProfile profile, Map<String, String> provenance) {
    }

    private CardProfiler() {
    }

    /** A catalog-style name from the marketing name: {@code NVIDIA H100 80GB HBM3} to {@code nvidia-h100-80gb-hbm3}. */
    public static String profileName(String deviceName) {
        String s = deviceName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return s.isEmpty() ? "cuda-device" : s;
    }

    /** Measures the card (about a second of device time); frees everything it allocates. */
    public static Result profile(DeviceApi api) {
        Map<String, String> prov = new LinkedHashMap<>();
        prov.put("device", api.deviceName());
        prov.put("memory_bytes", Long.toString(api.totalMemoryBytes()));
        prov.put("gemm", api.gemmImplementation());
        long bytes = Math.min(COPY_BYTES, Math.max(1L << 20, api.freeMemoryBytes() / 8));
        double h2d;
        double d2h;
        double dev;
        DeviceBuffer a = api.allocate(bytes, StreamKind.COMPUTE);
        try {
            DeviceBuffer b = api.allocate(bytes, StreamKind.COMPUTE);
            try {
                HostBuffer h = api.allocateHost(bytes);
                try {
                    api.zero(a.all(), StreamKind.COMPUTE);
                    api.synchronize();
                    h2d = gbps(bytes, time(api, StreamKind.COPY, () -> api.copyToDevice(a.all(), h, 0, StreamKind.COPY)));
                    d2h = gbps(bytes, time(api, StreamKind.COPY, () -> api.copyToHost(h, 0, a.all(), StreamKind.COPY)));
                    long n = bytes / 4;
                    KernelLaunch copy = new KernelLaunch("copy_f32", (int) Math.min((n + 255) / 256, 1L << 20), 1, 1,
                            256, List.of(KernelArg.ptr(a.all()), KernelArg.ptr(b.all()), KernelArg.i64(n)));
                    dev = gbps(2 * bytes, time(api, StreamKind.COMPUTE, () -> api.launch(copy, StreamKind.COMPUTE)));
                } finally {
                    api.synchronize();
                    api.freeHost(h);
                }
            } finally {
                api.free(b, StreamKind.COMPUTE);
            }
        } finally {
            api.free(a, StreamKind.COMPUTE);
            api.synchronize();
        }
        prov.put("h2d_gbps", fmt(h2d));
        prov.put("d2h_gbps", fmt(d2h));
        prov.put("device_copy_gbps", fmt(dev));
        double t16 = 0;
        double t32 = 0;
        for (int[] s : GEMM_SHAPES) {
            double r16 = gemmTflops(api, DType.F16, s);
            double r32 = gemmTflops(api, DType.F32, s);
            prov.put("gemm_tflops_f16_" + s[0] + "x" + s[1] + "x" + s[2], fmt(r16));
            prov.put("gemm_tflops_f32_" + s[0] + "x" + s[1] + "x" + s[2], fmt(r32));
            t16 = Math.max(t16, r16);
            t32 = Math.max(t32, r32);
        }
        String when = Instant.now().toString();
        prov.put("profiled_at", when);
        DeviceProfile p = new DeviceProfile(profileName(api.deviceName()), api.totalMemoryBytes(), dev, t16, 0, t32,
                true, 0, h2d, d2h, "measured:cuda",
                "measured by the accessplan cuda backend (gemm=" + api.gemmImplementation() + ") at " + when
                        + "; memory bandwidth is device copy bandwidth; peak rates are achieved, not spec");
        return new Result(p, Map.copyOf(prov));
    }

    private static double gemmTflops(DeviceApi api, DType t, int[] s) {
        int m = s[0];
        int n = s[1];
        int k = s[2];
        DeviceBuffer a = api.allocate((long) m * k * t.bytes(), StreamKind.COMPUTE);
        try {
            DeviceBuffer b = api.allocate((long) k * n * t.bytes(), StreamKind.COMPUTE);
            try {
                DeviceBuffer c = api.allocate((long) m * n * t.bytes(), StreamKind.COMPUTE);
                try {
                    api.zero(a.all(), StreamKind.COMPUTE);
                    api.zero(b.all(), StreamKind.COMPUTE);
                    Gemm g = new Gemm(t, false, false, m, n, k, a.all(), k, 0, b.all(), n, 0, c.all(), n, 0, 1, 1f, 0f);
                    double ms = time(api, StreamKind.COMPUTE, () -> api.gemm(g, StreamKind.COMPUTE));
                    return g.flops() / (ms / 1e3) / 1e12;
                } finally {
                    api.free(c, StreamKind.COMPUTE);
                }
            } finally {
                api.free(b, StreamKind.COMPUTE);
            }
        } finally {
            api.free(a, StreamKind.COMPUTE);
            api.synchronize();
        }
    }

    /** Median milliseconds of one issue of the work, after a warm-up. */
    private static double time(DeviceApi api, StreamKind s, Runnable work) {
        double[] ms = new double[REPEATS];
        try (DeviceEvent start = api.createEvent(); DeviceEvent end = api.createEvent()) {
            work.run();
            for (int i = 0; i < REPEATS; i++) {
                api.record(start, s);
                work.run();
                api.record(end, s);
                api.synchronize(end);
                ms[i] = api.elapsedMs(start, end);
            }
        }
        return Math.max(Repeats.median(ms), 1e-6);
    }

    private static double gbps(long bytes, double ms) {
        return bytes / (ms / 1e3) / 1e9;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
