package io.accessplan.features.plan;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The estimator's GEMM dimension term takes {@code Math.floor(Math.log(d) / Math.log(2))} of the
 * smallest GEMM dimension; {@link Estimator#floorLog2} gives the same double without the
 * logarithms, for every whole number it is asked (the dimensions are ints), checked against the
 * formula itself: every number below 2^22, every power of two and its neighbours, and random ones
 * up to 2^31, besides numbers it hands back to the formula (fractions, zero, beyond 2^31).
 */
class FloorLog2Test {

    private static double formula(double x) {
        return Math.floor(Math.log(x) / Math.log(2));
    }

    @Test
    void theHighestBitGivesWhatTheLogarithmsGive() {
        for (long v = 1; v < 1 << 22; v++) {
            assertEquals(formula(v), Estimator.floorLog2(v), "at " + v);
        }
        for (int i = 0; i < 31; i++) {
            for (long v = (1L << i) - 2; v <= (1L << i) + 2; v++) {
                if (v >= 1 && v < 1L << 31) {
                    assertEquals(formula(v), Estimator.floorLog2(v), "at " + v);
                }
            }
        }
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 2_000_000; k++) {
            double v = 1 + r.nextLong((1L << 31) - 1);
            assertEquals(formula(v), Estimator.floorLog2(v), "at " + v);
        }
        for (double v : new double[]{0.5, 1.5, 3.000001, 0, -1, 1L << 31, 1e12, Double.MAX_VALUE}) {
            assertEquals(formula(v), Estimator.floorLog2(v), "at " + v);
        }
    }
}
