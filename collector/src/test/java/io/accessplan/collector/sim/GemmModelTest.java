package io.accessplan.collector.sim;

import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fitted GEMM curves against the measured tables they come from, and their shape. */
class GemmModelTest {

    static Stream<Arguments> tables() {
        List<Arguments> out = new ArrayList<>();
        for (GemmModel.Table t : GemmModel.Table.values()) {
            out.add(Arguments.of(t, true));
            out.add(Arguments.of(t, false));
        }
        return out.stream();
    }

    /** Median and 90th percentile of a sample. */
    static double[] medianP90(double[] errors) {
        double[] e = errors.clone();
        Arrays.sort(e);
        return new double[]{quantile(e, 0.5), quantile(e, 0.9)};
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    @ParameterizedTest(name = "{0} tensor={1}")
    @MethodSource("tables")
    void fittedCurveReproducesItsTable(GemmModel.Table table, boolean tensor) {
        List<GemmModel.Sample> samples = GemmModel.samples(table, tensor);
        double[] err = GemmModel.calibrated(table, tensor).relativeErrors(samples, table, tensor);
        double[] q = medianP90(err);
        // fitted medians are 2.5-10%, 90th percentiles 7-33% (DeepBench's skinny N <= 128 shapes
        // and the transposed duplicates of one shape, timed up to 2x apart, dominate the tail)
        assertTrue(q[0] < 0.12, table + " tensor=" + tensor + " median error " + q[0]);
        assertTrue(q[1] < 0.35, table + " tensor=" + tensor + " p90 error " + q[1]);
    }

    @ParameterizedTest(name = "{0} tensor={1}")
    @MethodSource("tables")
    void curveFittedOnHalfTheShapesPredictsTheOtherHalf(GemmModel.Table table, boolean tensor) {
        List<GemmModel.Sample> samples = GemmModel.samples(table, tensor);
        List<GemmModel.Sample> train = new ArrayList<>();
        List<GemmModel.Sample> test = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            (i % 2 == 0 ? train : test).add(samples.get(i));
        }
        double[] q = medianP90(GemmModel.fit(train, table, tensor).relativeErrors(test, table, tensor));
        assertTrue(q[0] < 0.15, table + " tensor=" + tensor + " held-out median error " + q[0]);
        assertTrue(q[1] < 0.45, table + " tensor=" + tensor + " held-out p90 error " + q[1]);
    }

    @ParameterizedTest(name = "{0} tensor={1}")
    @MethodSource("tables")
    void curveFittedOnSmallerShapesExtrapolatesToTheLargestQuartile(GemmModel.Table table, boolean tensor) {
        List<GemmModel.Sample> samples = GemmModel.samples(table, tensor);
        double[] flops = samples.stream().mapToDouble(GemmModel.Sample::flops).sorted().toArray();
        double cut = quantile(flops, 0.75);
        List<GemmModel.Sample> small = samples.stream().filter(s -> s.flops() < cut).toList();
        List<GemmModel.Sample> large = samples.stream().filter(s -> s.flops() >= cut).toList();
        // the device's ceiling (the plateau, one number) is taken from the whole table: the small
        // shapes alone never reach it, and capping at their best would fail by construction
        double plateau = GemmModel.calibrated(table, tensor).plateau;
        double[] q = medianP90(GemmModel.fit(small, table, tensor, plateau).relativeErrors(large, table, tensor));
        // H100 f32 (TF32) extrapolates worst: its small shapes are far more latency-bound than bf16's
        assertTrue(q[0] < 0.30, table + " tensor=" + tensor + " extrapolation median error " + q[0]);
        assertTrue(q[1] < 0.40, table + " tensor=" + tensor + " extrapolation p90 error " + q[1]);
    }

    @Test
    void leastSquaresRecoversTheParametersOfSyntheticTimings() {
        GemmModel truth = GemmModel.of(6e-6, 0.8, 5e4, 100, 0.7, 0.8);
        GemmModel.Table table = GemmModel.Table.XLA_H100;
        GemmModel.Curve c = truth.curve(table.tensorTflops * 1e12, table.bandwidthGBps * 1e9, 2);
        List<GemmModel.Sample> samples = new ArrayList<>();
        int[] sizes = {64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
        for (int m : sizes) {
            for (int n : sizes) {
                for (int k : new int[]{16, 64, 256, 1024, 4096}) {
                    samples.add(new GemmModel.Sample(1, m, n, k, c.seconds(1, m, n, k)));
                }
            }
        }
        GemmModel fit = GemmModel.fit(samples, table, true, 0.8);
        assertEquals(truth.latency, fit.latency, 0.01 * truth.latency);
        assertEquals(truth.eta, fit.eta, 0.01 * truth.eta);
        assertEquals(truth.c1, fit.c1, 0.02 * truth.c1);
        assertEquals(truth.c2, fit.c2, 0.02 * truth.c2);
        assertEquals(truth.omega, fit.omega, 0.01 * truth.omega);
    }

    @Test
    void flopBoundGemmsGetFasterWithSizeUpToThePlateauAndNeverPassPeak() {
        for (DeviceProfile d : DeviceCatalog.builtin().all()) {
            for (Precision p : Precision.values()) {
                if (!d.supports(p)) {
                    continue;
                }
                GemmModel.Curve c = DeviceModel.of(d, p).gemm;
                double prev = 0;
                for (int s = 64; s <= 32768; s *= 2) {
                    double eff = c.efficiency(1, s, s, s);
                    assertTrue(eff >= prev * (1 - 1e-12), d.name() + " " + p + ": efficiency falls at " + s + "^3");
                    assertTrue(eff < 1, d.name() + " " + p + ": efficiency " + eff + " at " + s + "^3");
                    prev = eff;
                }
                // growing one dimension at a time never slows the achieved rate either
                double e0 = c.efficiency(1, 1024, 1024, 1024);
                assertTrue(c.efficiency(1, 4096, 1024, 1024) >= e0);
                assertTrue(c.efficiency(1, 1024, 4096, 1024) >= e0);
                assertTrue(c.efficiency(1, 1024, 1024, 4096) >= e0);
                assertTrue(c.efficiency(8, 1024, 1024, 1024) >= e0);
            }
        }
    }

    @Test
    void bigSquareGemmsReachTheMeasuredPlateau() {
        // the best H100 bf16 row is ~808 TFLOP/s (4 x 4096 x 2048 x 4096); 16k^3 sits at that plateau
        GemmModel.Curve h100 = DeviceModel.of(DeviceCatalog.builtin().get("h100-sxm-80gb"), Precision.BF16).gemm;
        double tflops = 2.0 * 16384 * 16384 * 16384 / h100.seconds(1, 16384, 16384, 16384) / 1e12;
        assertEquals(808, tflops, 25);
        // and a tiny GEMM is latency-bound: a few microseconds, a few TFLOP/s (table: 256^3 takes 5.2 us)
        assertEquals(5.2e-6, h100.seconds(1, 256, 256, 256), 1.5e-6);
    }

    @Test
    void derivedDevicesScaleTheirTableByTheRatioOfPeaks() {
        DeviceCatalog cat = DeviceCatalog.builtin();
        GemmModel.Curve h100 = DeviceModel.of(cat.get("h100-sxm-80gb"), Precision.BF16).gemm;
        GemmModel.Curve a100 = DeviceModel.of(cat.get("a100-sxm-80gb"), Precision.BF16).gemm;
        double big = 16384;
        double ratio = h100.seconds(1, big, big, big) / a100.seconds(1, big, big, big);
        assertEquals(312 / 989.4, ratio, 0.01);
    }
}
