package io.accessplan.model;

import io.accessplan.model.train.TestModels;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeakMarginsTest {

    @Test
    void largerCorrectionsGetTheirOwnLargerMargins() {
        // predictions that keep the analytic peak are right within 1%; those correcting it by ~30%
        // under-predict by up to 10%
        int n = 4000;
        double[] measured = new double[n];
        double[] pred = new double[n];
        double[] analytic = new double[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            boolean corrected = i % 2 == 1;
            analytic[i] = 1e9;
            pred[i] = corrected ? 0.7e9 : 1e9;
            measured[i] = pred[i] * (1 + (corrected ? 0.10 : 0.01) * r.nextDouble());
        }
        PeakMargins m = PeakMargins.fit(measured, pred, analytic, IntStream.range(0, n).toArray(), 0.97);
        double kept = m.margin(1e9, 1e9);
        double corrected = m.margin(0.7e9, 1e9);
        assertEquals(0.0097, kept, 0.0005);
        assertEquals(0.097, corrected, 0.003);
        // the empty bins between take the margin below them: never decreasing
        for (int b = 1; b < m.margins().length; b++) {
            assertTrue(m.margins()[b] >= m.margins()[b - 1], Arrays.toString(m.margins()));
        }
        // a prediction with no analytic peak gets the widest margin
        assertEquals(m.margins()[m.margins().length - 1], m.margin(1e9, 0));
    }

    @Test
    void theMarginsTravelInTheModelFileMetadata() {
        StrategyModel model = TestModels.trained().model();
        PeakMargins pm = model.metadata().peakMargins();
        assertTrue(pm != null, "a cross-validated model carries margins by correction size");
        ModelMetadata back = ModelMetadata.fromJson(model.metadata().toJson());
        assertArrayEquals(pm.margins(), back.peakMargins().margins());
        assertArrayEquals(pm.edges(), back.peakMargins().edges());
    }

    @Test
    void badMarginsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PeakMargins(new double[]{0, 0.1}, new double[]{0.01}));
        assertThrows(IllegalArgumentException.class, () -> new PeakMargins(new double[]{0.1}, new double[]{0.01}));
        assertThrows(IllegalArgumentException.class, () -> new PeakMargins(new double[]{0}, new double[]{-1}));
    }
}
