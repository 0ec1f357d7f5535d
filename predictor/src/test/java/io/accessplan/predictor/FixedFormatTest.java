package io.accessplan.predictor;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fast number formatting of the explanations prints what String.format prints. */
class FixedFormatTest {

    @Test
    void agreesWithStringFormat() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            double v = Math.exp(r.nextDouble(-5, 12)) * (r.nextInt(10) == 0 ? -1 : 1);
            for (int d = 0; d <= 2; d++) {
                String expected = String.format(Locale.ROOT, "%." + d + "f", v);
                // String.format rounds the exact binary value half-up; ours rounds v * 10^d: skip exact ties
                double scaled = Math.abs(v) * Math.pow(10, d);
                if (Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6) {
                    continue;
                }
                assertEquals(expected, AccessPlanner.fixed(v, d), "value " + v);
            }
        }
        assertEquals("-0.0", AccessPlanner.fixed(-0.01, 1));
    }

    @Test
    void theExactFormPrintsWhatStringFormatPrintsTiesIncluded() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            int d = r.nextInt(3);
            double scale = Math.pow(10, d);
            double v = switch (r.nextInt(3)) {
                case 0 -> Math.exp(r.nextDouble(-5, 30));
                // ties in decimal (k + 0.5) / 10^d and the doubles either side of them
                case 1 -> (r.nextInt(1_000_000) + 0.5) / scale;
                default -> {
                    double tie = (r.nextInt(1_000_000) + 0.5) / scale;
                    yield r.nextBoolean() ? Math.nextUp(tie) : Math.nextDown(tie);
                }
            };
            assertEquals(String.format(Locale.ROOT, "%." + d + "f", v), AccessPlanner.fixedExact(v, d), "value " + v);
        }
        for (double v : new double[]{0, 0.5, 1.5, 2.5, 0.125, 0.005, 1.005, 2.675, 99.95, Double.NaN,
                Double.POSITIVE_INFINITY, 1e15, 1e300}) {
            for (int d = 0; d <= 2; d++) {
                assertEquals(String.format(Locale.ROOT, "%." + d + "f", v), AccessPlanner.fixedExact(v, d), "value " + v);
            }
        }
    }
}
