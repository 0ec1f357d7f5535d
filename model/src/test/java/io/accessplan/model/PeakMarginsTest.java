package io.accessplan.model;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.model.train.TestModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

    private static final Strategy KEEP = new Strategy(ActivationPolicy.KEEP, 1, false);
    private static final Strategy FULL_N = new Strategy(ActivationPolicy.FULL, 2, true, 6);
    private static final Strategy FULL = new Strategy(ActivationPolicy.FULL, 2, true);

    @Test
    void aFamilyWithAHeavierTailGetsItsOwnLargerMarginAndTheOthersKeepTheirs() {
        // keep's peaks are under-predicted by up to 1%, full:N's by up to 5% (uniformly), all with
        // the analytic peak kept (the first bin); the q quantile of U(0, r) is q * r
        int n = 6000;
        double[] measured = new double[n];
        double[] pred = new double[n];
        double[] analytic = new double[n];
        List<Strategy> strategies = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            boolean heavy = i % 3 == 0;
            strategies.add(heavy ? FULL_N : KEEP);
            analytic[i] = 1e9;
            pred[i] = 1e9;
            measured[i] = pred[i] * (1 + (heavy ? 0.05 : 0.01) * r.nextDouble());
        }
        int[] all = IntStream.range(0, n).toArray();
        PeakMargins m = PeakMargins.fit(measured, pred, analytic, strategies, all, 0.95);
        assertEquals(0.95 * 0.05, m.margin(FULL_N, 1e9, 1e9), 0.003);
        assertEquals(0.95 * 0.01, m.margin(KEEP, 1e9, 1e9), 0.0006);
        // the pooled margin lies between the two and is what the pooled fit alone gives
        double pooled = PeakMargins.fit(measured, pred, analytic, all, 0.95).margin(1e9, 1e9);
        assertEquals(pooled, m.margin(1e9, 1e9), 0.0);
        assertTrue(pooled > m.margin(KEEP, 1e9, 1e9) && pooled < m.margin(FULL_N, 1e9, 1e9));
        // full on every layer is another family, without rows here: the pooled margin
        assertEquals(pooled, m.margin(FULL, 1e9, 1e9), 0.0);
        assertEquals("full:N", PeakMargins.family(FULL_N));
        assertEquals("full", PeakMargins.family(FULL));
    }

    @Test
    void aFamilyBinWithTooFewRowsTakesThePooledMarginOfThatBin() {
        // 300 keep rows with a 2% tail, and 50 full:N rows (under MIN_ROWS) under-predicted by 30%
        int n = 350;
        double[] measured = new double[n];
        double[] pred = new double[n];
        double[] analytic = new double[n];
        List<Strategy> strategies = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < n; i++) {
            boolean few = i < 50;
            strategies.add(few ? FULL_N : KEEP);
            analytic[i] = 1e9;
            pred[i] = 1e9;
            measured[i] = pred[i] * (1 + (few ? 0.30 : 0.02 * r.nextDouble()));
        }
        int[] all = IntStream.range(0, n).toArray();
        PeakMargins m = PeakMargins.fit(measured, pred, analytic, strategies, all, 0.9);
        assertEquals(m.margin(1e9, 1e9), m.margin(FULL_N, 1e9, 1e9), 0.0);
        assertTrue(m.margin(FULL_N, 1e9, 1e9) > m.margin(KEEP, 1e9, 1e9), m.toString());
    }

    @Test
    void familyMarginsTravelInTheModelFileAndOlderFilesKeepThePooledOnes() {
        StrategyModel model = TestModels.trained().model();
        PeakMargins pm = model.metadata().peakMargins();
        assertTrue(!pm.familyMargins().isEmpty(), "a cross-validated model carries margins by family");
        ModelMetadata back = ModelMetadata.fromJson(model.metadata().toJson());
        assertEquals(pm, back.peakMargins());
        for (Strategy s : Strategy.all()) {
            assertEquals(pm.margin(s, 0.97e9, 1e9), back.peakMargins().margin(s, 0.97e9, 1e9), 0.0, s.toString());
        }
        // a file written before margins by family: every strategy gets the pooled margin
        String old = model.metadata().toJson().replaceAll("(?s),\\s*\"family_margins\"\\s*:\\s*\\{[^}]*\\}", "");
        PeakMargins before = ModelMetadata.fromJson(old).peakMargins();
        assertTrue(before.familyMargins().isEmpty(), old);
        for (Strategy s : Strategy.all()) {
            assertEquals(pm.margin(0.97e9, 1e9), before.margin(s, 0.97e9, 1e9), 0.0, s.toString());
        }
    }

    @Test
    void anUnknownFamilyOrAFamilyOfTheWrongLengthIsRefused() {
        double[] e = {0, 0.1};
        double[] m = {0.01, 0.02};
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> PeakMargins.of(e, m, Map.of("recompute-everything", m)));
        assertTrue(x.getMessage().contains("recompute-everything"), x.getMessage());
        IllegalArgumentException y = assertThrows(IllegalArgumentException.class,
                () -> PeakMargins.of(e, m, Map.of("full:N", new double[]{0.01})));
        assertTrue(y.getMessage().contains("full:N"), y.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PeakMargins.of(e, m, Map.of("keep", new double[]{0.01, -1})));
    }

    @Test
    void badMarginsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PeakMargins(new double[]{0, 0.1}, new double[]{0.01}));
        assertThrows(IllegalArgumentException.class, () -> new PeakMargins(new double[]{0.1}, new double[]{0.01}));
        assertThrows(IllegalArgumentException.class, () -> new PeakMargins(new double[]{0}, new double[]{-1}));
    }
}
