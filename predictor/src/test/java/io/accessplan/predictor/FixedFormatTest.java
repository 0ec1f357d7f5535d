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
}
