package io.accessplan.collector.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pinned-copy size curve against the measured sweep it was fitted on. */
class CopyModelTest {

    @Test
    void sizeCurveReproducesTheMeasuredSweep() {
        for (int column : new int[]{5, 6}) {
            double[][] rows = CopyModel.sweep(column);
            double half = column == 5 ? CopyModel.H2D_HALF_BYTES : CopyModel.D2H_HALF_BYTES;
            double asymptote = 0;
            for (double[] r : rows) {
                asymptote = Math.max(asymptote, r[1]);
            }
            double[] err = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                double predicted = rows[i][0] / CopyModel.seconds(rows[i][0], 1, asymptote, half) / 1e9;
                err[i] = Math.abs(predicted / rows[i][1] - 1);
                // the sweep is noisy: H2D at 10 MB reads 19.4 GB/s where D2H reads 25.4 and H2D at 1 MB 18.0
                assertTrue(err[i] < 0.35, "column " + column + " at " + rows[i][0] + " bytes: " + err[i]);
            }
            assertTrue(GemmModelTest.medianP90(err)[0] < 0.10, "column " + column + " median error");
        }
    }

    @Test
    void smallTransfersAreLatencyBoundAndLargeOnesReachTheBandwidth() {
        double gbps = 25;
        double half = CopyModel.H2D_HALF_BYTES;
        // the fitted latency is a few to tens of microseconds, as cudaMemcpyAsync's is
        double latency = CopyModel.seconds(0, 1, gbps, half);
        assertTrue(latency > 2e-6 && latency < 50e-6, "latency " + latency);
        double small = 4096 / CopyModel.seconds(4096, 1, gbps, half) / 1e9;
        double large = 1e9 / CopyModel.seconds(1e9, 1, gbps, half) / 1e9;
        assertTrue(small < 0.05 * gbps, "4 KiB copies at " + small + " GB/s");
        assertEquals(gbps, large, 0.01 * gbps);
        // several tensors in one copy pay the latency once each
        assertEquals(CopyModel.seconds(1e6, 1, gbps, half) + 2 * latency, CopyModel.seconds(1e6, 3, gbps, half), 1e-12);
    }
}
