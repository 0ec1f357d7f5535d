package io.accessplan.collector.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Pinned host/device copy time by transfer size: {@code t = (S + S_half) / B}, i.e. a fixed
 * latency plus the size at the asymptotic bandwidth {@code B}, so the achieved bandwidth
 * {@code B S / (S + S_half)} reaches half of {@code B} at {@code S_half} bytes.
 *
 * <p>{@code S_half} is fitted, per direction, on the only size sweep in
 * {@code host_device_bandwidth_measured.csv}: cuda-samples {@code bandwidthTest --mode=range}
 * on Princeton's della A100 nodes, 1 MB to 1 GB, pinned memory (jdh4/della-gpu-A100 README).
 * {@code B} is the device profile's own measured pinned bandwidth ({@code h2d_gbps},
 * {@code d2h_gbps}, measured at 32 MB or more, where the curve is within a few percent of its
 * asymptote), so only the shape of the curve is borrowed from della.
 */
final class CopyModel {
    /** System of the size-sweep rows. */
    private static final String SWEEP_SYSTEM = "Princeton della";

    /** Half-saturation sizes in bytes, host-to-device and device-to-host, fitted at class load. */
    static final double H2D_HALF_BYTES;
    static final double D2H_HALF_BYTES;

    static {
        double[][] h2d = sweep(5);
        double[][] d2h = sweep(6);
        H2D_HALF_BYTES = fitHalf(h2d);
        D2H_HALF_BYTES = fitHalf(d2h);
    }

    private CopyModel() {
    }

    /** Seconds of one copy of {@code bytes} split over {@code pieces} transfers at {@code gbps}. */
    static double seconds(double bytes, int pieces, double gbps, double halfBytes) {
        return (bytes + Math.max(1, pieces) * halfBytes) / (gbps * 1e9);
    }

    /** Rows (bytes, GB/s) of the size sweep for one bandwidth column. */
    static double[][] sweep(int column) {
        List<double[]> out = new ArrayList<>();
        for (List<String> f : GemmModel.rows("host_device_bandwidth_measured.csv")) {
            // gpu,system,tool,host_memory,transfer_bytes,h2d_GBps,d2h_GBps,...
            if (f.get(1).equals(SWEEP_SYSTEM) && f.get(3).equals("pinned")) {
                out.add(new double[]{Double.parseDouble(f.get(4)), Double.parseDouble(f.get(column))});
            }
        }
        if (out.size() < 3) {
            throw new IllegalStateException("the pinned size sweep of " + SWEEP_SYSTEM + " is missing");
        }
        return out.toArray(new double[0][]);
    }

    /** Fits (B, S_half) on log bandwidth and returns S_half. */
    static double fitHalf(double[][] rows) {
        double[] p = LeastSquares.minimize((q, r) -> {
            double b = Math.exp(q[0]);
            double half = Math.exp(q[1]);
            for (int i = 0; i < rows.length; i++) {
                double s = rows[i][0];
                r[i] = Math.log(b * s / (s + half) / rows[i][1]);
            }
        }, rows.length, new double[]{Math.log(25), Math.log(1e5)}, new double[]{Math.log(30), Math.log(1e6)});
        return Math.exp(p[1]);
    }
}
