package io.accessplan.collector.sim;


import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Achieved GEMM time as a function of shape, fitted on one measured table.
 *
 * <p>The functional form is a roofline with a launch latency and two utilisation terms:
 * <pre>
 *   t(b,m,n,k) = a + max( 2 (bmn + c1)(k + c2) / (eta P),  e b (mk + kn + mn) / (omega W) )
 * </pre>
 * and never faster than the best efficiency the table shows ({@code plateau}). {@code a} is the
 * fixed cost of a call; {@code bmn / (bmn + c1)} the fraction of the SMs the output tiles keep
 * busy (a smooth stand-in for tile and wave quantisation); {@code k / (k + c2)} the share of a
 * tile's time spent in its main loop rather than its prologue and epilogue; {@code eta P} the
 * asymptotic rate against the peak {@code P}; the second term is the time to stream the three
 * operands ({@code e} bytes each) at a fraction {@code omega} of the memory bandwidth {@code W}.
 * Achieved TFLOP/s therefore rises monotonically with every dimension, towards {@code eta P},
 * capped at the table's plateau, and never exceeds the peak. The five parameters are fitted
 * by least squares on log time (relative error, so small and large shapes count alike), with
 * eta and omega kept in (0, 1) by a logistic map.
 *
 * <p>Of the forms tried on the tables (sum of compute and memory time, smooth p-norm maximum,
 * this maximum), this one had the lowest median error, and counting utilisation over
 * {@code bmn} rather than {@code mn} fits the batched H100 rows best. Fitted on the smaller
 * three quarters of a table's shapes (by FLOPs), it predicts the largest quarter within a few
 * percent (median), except H100 TF32 (~24%); see {@code GemmModelTest} for every figure.
 *
 * <p>Relative time error |predicted/measured - 1| when this class was written (median / 90th
 * percentile; "held out": fitted on the even rows, tested on the odd ones):
 * <pre>
 *   table            rows  fit          held out     largest quarter from the rest
 *   deepbench-v100   160   6.6% / 33%   8.2% / 34%   4.2% /  8%    (fp16 tensor cores)
 *   deepbench-v100   160   5.1% / 31%   6.3% / 41%   3.8% /  9%    (fp32)
 *   deepbench-t4     160   6.2% / 18%   7.1% / 17%   3.6% / 11%    (fp16 tensor cores)
 *   deepbench-t4     160   9.9% / 32%   12%  / 39%   11%  / 18%    (fp32)
 *   xla-h100         375   2.4% /  7%   2.4% /  7%   2.1% /  8%    (bf16)
 *   xla-h100         375   8.0% / 20%   7.8% / 21%   24%  / 35%    (f32 = TF32)
 * </pre>
 * DeepBench's tail is its skinny shapes (N of 8 to 128, K up to 500,000) and transposed
 * duplicates of one shape timed up to 2x apart, which no smooth curve of (m, n, k) can follow.
 */
final class GemmModel {

    /** A measured GEMM table and the datasheet numbers of the GPU it was measured on. */
    enum Table {
        /**
         * DeepBench on V100-SXM2 (DGX-1). Peaks: 125 TFLOP/s fp16 tensor, 15.7 fp32, 900 GB/s
         * (gpu_specs.csv V100-SXM2-16GB row, NVIDIA V100 datasheet).
         */
        DEEPBENCH_V100("deepbench-v100", "V100-SXM2 (DGX-1)", 125, 15.7, 900),
        /**
         * DeepBench on T4. Peaks: 65 TFLOP/s fp16 tensor, 8.1 fp32, 320 GB/s (gpu_specs.csv T4
         * row, NVIDIA T4 datasheet).
         */
        DEEPBENCH_T4("deepbench-t4", "T4", 65, 8.1, 320),
        /**
         * XLA's sm_90 matmul table (H100 SXM). Peaks: 989.4 TFLOP/s bf16, 494.7 TF32 (the f32 rows
         * ran on TF32 tensor cores), 3350 GB/s (gpu_specs.csv H100-SXM5-80GB row, NVIDIA H100
         * datasheet).
         */
        XLA_H100("xla-h100", "sm_90", 989.4, 494.7, 3350);

        final String id;
        final String gpu;
        final double tensorTflops;
        final double fp32Tflops;
        final double bandwidthGBps;

        Table(String id, String gpu, double tensorTflops, double fp32Tflops, double bandwidthGBps) {
            this.id = id;
            this.gpu = gpu;
            this.tensorTflops = tensorTflops;
            this.fp32Tflops = fp32Tflops;
            this.bandwidthGBps = bandwidthGBps;
        }

        /** The table of a device profile's {@code gemm_table} ({@code derived:} stripped), or null. */
        static Table of(String gemmTable) {
            String id = gemmTable.startsWith("derived:") ? gemmTable.substring("derived:".length()) : gemmTable;
            for (Table t : values()) {
                if (t.id.equals(id.trim())) {
                    return t;
                }
            }
            return null;
        }

        /** Peak of the table's own GPU for the tensor (16-bit) or the fp32 rows. */
        double peakTflops(boolean tensor) {
            return tensor ? tensorTflops : fp32Tflops;
        }
    }

    /** One measured GEMM. */
    record Sample(int batch, int m, int n, int k, double seconds) {
        double flops() {
            return 2.0 * batch * m * n * k;
        }
    }

    /** The fitted models of every table, fitted once when the class loads (a few milliseconds). */
    private static final Map<Table, GemmModel[]> FITTED = fitAll();

    final double latency;
    final double eta;
    final double c1;
    final double c2;
    final double omega;
    final double plateau;

    private GemmModel(double latency, double eta, double c1, double c2, double omega, double plateau) {
        this.latency = latency;
        this.eta = eta;
        this.c1 = c1;
        this.c2 = c2;
        this.omega = omega;
        this.plateau = plateau;
    }

    /** The model fitted on a whole table: its tensor-core rows or its fp32 rows. */
    static GemmModel calibrated(Table table, boolean tensor) {
        return FITTED.get(table)[tensor ? 1 : 0];
    }

    /** Fits the model to samples measured on a table's GPU, capped at their best efficiency. */
    static GemmModel fit(List<Sample> samples, Table table, boolean tensor) {
        double peak = table.peakTflops(tensor) * 1e12;
        double plateau = 0;
        for (Sample s : samples) {
            plateau = Math.max(plateau, s.flops() / s.seconds() / peak);
        }
        return fit(samples, table, tensor, plateau);
    }

    /**
     * Fits the model to samples with a given ceiling of efficiency (the best the device reaches,
     * which a subset of small shapes may not show).
     */
    static GemmModel fit(List<Sample> samples, Table table, boolean tensor, double plateau) {
        double peak = table.peakTflops(tensor) * 1e12;
        double bw = table.bandwidthGBps * 1e9;
        int e = tensor ? 2 : 4;
        final double plat = plateau;
        int n = samples.size();
        // starts (log a, logit eta, log c1, log c2, logit omega) spanning what the tables show:
        // 5-20 us call latency, 50-90% of peak, half-utilisation at 3e4-1e6 outputs and 50-500 of k
        double[] p0 = {Math.log(5e-6), 1, Math.log(1e5), Math.log(100), 1};
        double[] p1 = {Math.log(2e-5), 0, Math.log(1e6), Math.log(500), 0};
        double[] p2 = {Math.log(8e-6), 2, Math.log(3e4), Math.log(50), 0.5};
        double[] p = LeastSquares.minimize((q, r) -> {
            GemmModel g = fromParameters(q, plat);
            Curve c = g.curve(peak, bw, e);
            for (int i = 0; i < n; i++) {
                Sample s = samples.get(i);
                r[i] = Math.log(c.seconds(s.batch, s.m, s.n, s.k) / s.seconds);
            }
        }, n, p0, p1, p2);
        return fromParameters(p, plateau);
    }

    /** A model with given parameters (latency in seconds). */
    static GemmModel of(double latency, double eta, double c1, double c2, double omega, double plateau) {
        return new GemmModel(latency, eta, c1, c2, omega, plateau);
    }

    private static GemmModel fromParameters(double[] q, double plateau) {
        return new GemmModel(Math.exp(q[0]), logistic(q[1]), Math.exp(q[2]), Math.exp(q[3]), logistic(q[4]), plateau);
    }

    private static double logistic(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * This efficiency curve on a device of the given peak and bandwidth. On the table's own GPU
     * the peak and bandwidth are the table's; on another GPU ({@code derived:<table>} devices) the
     * fitted efficiencies are applied to that GPU's peak and bandwidth, so the whole curve scales
     * by the ratio of peaks, while the fixed latency stays as measured.
     *
     * @param peakFlops    peak rate of the precision, FLOP/s
     * @param bandwidthBps memory bandwidth, bytes/s
     * @param elementBytes bytes of one operand element
     */
    Curve curve(double peakFlops, double bandwidthBps, int elementBytes) {
        return new Curve(latency, eta * peakFlops, Math.min(plateau, eta) * peakFlops, c1, c2,
                elementBytes / (omega * bandwidthBps), peakFlops);
    }

    /** Relative errors |predicted / measured - 1| of the table's own curve on samples. */
    double[] relativeErrors(List<Sample> samples, Table table, boolean tensor) {
        Curve c = curve(table.peakTflops(tensor) * 1e12, table.bandwidthGBps * 1e9, tensor ? 2 : 4);
        double[] out = new double[samples.size()];
        for (int i = 0; i < out.length; i++) {
            Sample s = samples.get(i);
            out[i] = Math.abs(c.seconds(s.batch, s.m, s.n, s.k) / s.seconds - 1);
        }
        return out;
    }

    /** A fitted curve bound to a device: GEMM time by shape. Immutable, allocation-free to query. */
    static final class Curve {
        final double latency;
        final double rate;
        final double plateauRate;
        final double c1;
        final double c2;
        final double secondsPerElement;
        final double peak;
        /** Sharpness of the fill transition: 1 is {@code bmn + c1}; above 1, a p-norm towards {@code max(bmn, c1)}. */
        final double sharpness;

        Curve(double latency, double rate, double plateauRate, double c1, double c2, double secondsPerElement,
              double peak) {
            this(latency, rate, plateauRate, c1, c2, secondsPerElement, peak, 1);
        }

        Curve(double latency, double rate, double plateauRate, double c1, double c2, double secondsPerElement,
              double peak, double sharpness) {
            this.sharpness = sharpness;
            this.latency = latency;
            this.rate = rate;
            this.plateauRate = plateauRate;
            this.c1 = c1;
            this.c2 = c2;
            this.secondsPerElement = secondsPerElement;
            this.peak = peak;
        }

        /** Seconds of a (batched) GEMM {@code C[b,m,n] = A[b,m,k] B[b,k,n]}. */
        double seconds(double b, double m, double n, double k) {
            double outputs = sharpness == 1 ? b * m * n + c1
                    : Math.pow(Math.pow(b * m * n, sharpness) + Math.pow(c1, sharpness), 1 / sharpness);
            double compute = 2 * outputs * (k + c2) / rate;
            double memory = secondsPerElement * b * (m * k + k * n + m * n);
            double t = latency + Math.max(compute, memory);
            return Math.max(t, 2 * b * m * n * k / plateauRate);
        }

        /**
         * This curve on a card whose GEMM reaches {@code efficiency} times its asymptotic and
         * plateau rates and needs {@code fill} times as many output elements to fill its SMs (a
         * kernel with larger tiles or fewer blocks per SM than the table's), reached as sharply as
         * {@code sharp} says (a kernel whose blocks all run in one wave up to the fill point and
         * then in whole waves turns more sharply than a tuned library's); 1, 1 and 1 are the curve
         * itself. The memory term is the card's, unchanged.
         */
        Curve calibrated(double efficiency, double fill, double sharp) {
            if (efficiency == 1 && fill == 1 && sharp == 1) {
                return this;
            }
            return new Curve(latency, rate * efficiency, plateauRate * efficiency, c1 * fill, c2, secondsPerElement,
                    peak, sharp);
        }

        /** Achieved fraction of the peak for a shape. */
        double efficiency(double b, double m, double n, double k) {
            return 2 * b * m * n * k / seconds(b, m, n, k) / peak;
        }
    }

    // ---------------------------------------------------------------- tables

    private static Map<Table, GemmModel[]> fitAll() {
        Map<Table, GemmModel[]> m = new EnumMap<>(Table.class);
        for (Table t : Table.values()) {
            m.put(t, new GemmModel[]{fit(samples(t, false), t, false), fit(samples(t, true), t, true)});
        }
        return m;
    }

    /** The measured rows of a table: its tensor-core (16-bit) rows or its fp32 rows. */
    static List<Sample> samples(Table t, boolean tensor) {
        List<Sample> out = new ArrayList<>();
        if (t == Table.XLA_H100) {
            // gpu_key,b,m,n,k,bf16_tflops,f32_tflops,bf16_time_us,f32_time_us
            for (List<String> f : rows("xla_sm90_matmul_perf_table.csv")) {
                out.add(new Sample(Integer.parseInt(f.get(1)), Integer.parseInt(f.get(2)), Integer.parseInt(f.get(3)),
                        Integer.parseInt(f.get(4)), Double.parseDouble(f.get(tensor ? 7 : 8)) * 1e-6));
            }
        } else {
            // gpu,precision,app,M,N,K,transA,transB,time_ms,tflops,source_sheet,system
            String prefix = tensor ? "fp16_in_fp16_mul_fp32_acc" : "fp32";
            for (List<String> f : rows("deepbench_train_gemm_tidy.csv")) {
                if (f.get(0).equals(t.gpu) && f.get(1).startsWith(prefix)) {
                    out.add(new Sample(1, Integer.parseInt(f.get(3)), Integer.parseInt(f.get(4)),
                            Integer.parseInt(f.get(5)), Double.parseDouble(f.get(8)) * 1e-3));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no " + (tensor ? "tensor" : "fp32") + " rows for " + t.id);
        }
        return List.copyOf(out);
    }

    /** The data rows (header skipped) of a calibration CSV shipped with this package. */
    static List<List<String>> rows(String resource) {
        try (InputStream in = GemmModel.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the collector jar");
            }
            List<List<String>> out = new ArrayList<>();
            List<io.accessplan.features.Csv.Line> lines = io.accessplan.features.Csv.read(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
            for (io.accessplan.features.Csv.Line l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                out.add(l.fields());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
