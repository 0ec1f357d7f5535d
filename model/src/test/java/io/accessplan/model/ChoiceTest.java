package io.accessplan.model;

import io.accessplan.features.Strategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChoiceTest {
    private static List<Strategy> ss(String... s) {
        return java.util.Arrays.stream(s).map(Strategy::parse).toList();
    }

    @Test
    void thePlainestWithinTheTieToleranceWinsAndNothingBeyondIt() {
        List<Strategy> s = ss("keep", "keep+mb2", "full");
        boolean[] fit = {true, true, true};
        double[] peak = {3, 2, 1};
        // keep+mb2 predicted 1.5% faster than keep: within 2%, keep is plainer
        assertEquals(0, Choice.decide(s, new double[]{101.5, 100, 110}, peak, fit, 0.02).chosen());
        // 3% faster: beyond the tolerance
        assertEquals(1, Choice.decide(s, new double[]{103, 100, 110}, peak, fit, 0.02).chosen());
        // no tolerance: the fastest
        assertEquals(1, Choice.decide(s, new double[]{101.5, 100, 110}, peak, fit, 0).chosen());
    }

    @Test
    void aStrategyDoingMoreWorkThanAFittingOneIsNeverChosen() {
        List<Strategy> s = ss("keep", "offload", "full+mb2");
        Choice.Decision d = Choice.decide(s, new double[]{100, 90, 120}, new double[]{3, 2, 1},
                new boolean[]{true, true, true}, 0);
        assertEquals(0, d.chosen());
        assertEquals(0, d.lessWork()[1]);
        assertEquals(-1, d.lessWork()[2]);
        // keep not fitting: offload is free to win
        assertEquals(1, Choice.decide(s, new double[]{100, 90, 120}, new double[]{3, 2, 1},
                new boolean[]{false, true, true}, 0).chosen());
    }

    @Test
    void whenNothingFitsTheLeastPeakIsNamed() {
        Choice.Decision d = Choice.decide(ss("keep", "full", "sqrt"), new double[]{1, 2, 3}, new double[]{30, 10, 20},
                new boolean[]{false, false, false}, 0.02);
        assertEquals(1, d.chosen());
        assertFalse(d.fits());
    }

    @Test
    void lessWorkIsAPartialOrderWithinOneMicroBatching() {
        assertTrue(Choice.doesLessWork(Strategy.parse("selective+mb4"), Strategy.parse("full+mb4+opt_offload")));
        assertFalse(Choice.doesLessWork(Strategy.parse("keep"), Strategy.parse("full+mb2")));
        assertFalse(Choice.doesLessWork(Strategy.parse("keep+opt_offload"), Strategy.parse("full")));
        assertTrue(Choice.plainness(Strategy.parse("keep+mb2")) < Choice.plainness(Strategy.parse("selective")));
    }

    @Test
    void aPolicyOnFewerLayersDoesLessWorkThanOnMore() {
        assertTrue(Choice.doesLessWork(Strategy.parse("full:4+mb2"), Strategy.parse("full:8+mb2")));
        assertTrue(Choice.doesLessWork(Strategy.parse("full:4"), Strategy.parse("full")));
        assertTrue(Choice.doesLessWork(Strategy.parse("offload:3"), Strategy.parse("offload:3+opt_offload")));
        assertFalse(Choice.doesLessWork(Strategy.parse("full:8"), Strategy.parse("full:4")));
        assertFalse(Choice.doesLessWork(Strategy.parse("full"), Strategy.parse("full:4")));
        assertTrue(Choice.doesLessWork(Strategy.parse("selective:4"), Strategy.parse("full:6")));
        // selective on every layer recomputes attention cores of layers full:6 keeps
        assertFalse(Choice.doesLessWork(Strategy.parse("selective"), Strategy.parse("full:6")));
        assertFalse(Choice.doesLessWork(Strategy.parse("offload:2"), Strategy.parse("full")));
        assertTrue(Choice.doesLessWork(Strategy.parse("keep"), Strategy.parse("offload:1")));
        // the whole policy loses to its partial refinement when that fits
        Choice.Decision d = Choice.decide(ss("keep", "full", "full:5"), new double[]{1, 2, 1.5},
                new double[]{30, 10, 15}, new boolean[]{false, true, true}, 0.03);
        assertEquals(2, d.chosen());
        assertEquals(2, d.lessWork()[1]);
    }
}
