package io.accessplan.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The margin bin of a prediction, found from its ratio to the analytic peak against bounds
 * computed once, is the bin of |ln(predicted / analytic)| against the edges, the logarithm
 * computed: for ratios on each bound and one double either side, across the whole range, and
 * for the values where the logarithm is infinite or undefined; and for other edges than the
 * standard ones (the logarithm's path).
 */
class PeakMarginsBinTest {

    private static final PeakMargins STANDARD = new PeakMargins(PeakMargins.EDGES,
            new double[]{0.001, 0.002, 0.004, 0.01, 0.02, 0.04, 0.08});

    private static void same(PeakMargins m, double predicted, double analytic) {
        assertEquals(m.binByLogarithm(predicted, analytic), m.bin(predicted, analytic),
                "predicted " + predicted + ", analytic " + analytic);
    }

    @Test
    void theRatioBoundsGiveTheLogarithmsBin() {
        int[] seen = new int[PeakMargins.EDGES.length];
        for (double e : PeakMargins.EDGES) {
            for (double edge : new double[]{Math.exp(e), Math.exp(-e)}) {
                // the doubles around where the logarithm crosses the edge
                double r = Math.nextDown(Math.nextDown(Math.nextDown(edge)));
                for (int k = 0; k < 7; k++) {
                    same(STANDARD, r, 1.0);
                    same(STANDARD, r * 3.0e9, 3.0e9);
                    r = Math.nextUp(r);
                }
            }
        }
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 1_000_000; i++) {
            double analytic = Math.exp(rnd.nextDouble(10, 26));
            double ratio = Math.exp(rnd.nextDouble(-0.4, 0.4) * (rnd.nextInt(4) == 0 ? 100 : 1));
            double predicted = analytic * ratio;
            same(STANDARD, predicted, analytic);
            seen[STANDARD.bin(predicted, analytic)]++;
        }
        for (int b = 0; b < seen.length; b++) {
            assertEquals(true, seen[b] > 100, "bin " + b + " seen " + seen[b] + " times");
        }
        double[] odd = {0, -1, Double.MIN_VALUE, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN, 1e-300, 1e300};
        for (double p : odd) {
            for (double a : odd) {
                same(STANDARD, p, a);
            }
        }
    }

    @Test
    void otherEdgesTakeTheLogarithm() {
        PeakMargins m = new PeakMargins(new double[]{0, 0.03, 0.3}, new double[]{0.01, 0.02, 0.05});
        SplittableRandom rnd = new SplittableRandom(6);
        for (int i = 0; i < 100_000; i++) {
            double analytic = Math.exp(rnd.nextDouble(10, 26));
            same(m, analytic * Math.exp(rnd.nextDouble(-0.5, 0.5)), analytic);
        }
    }
}
