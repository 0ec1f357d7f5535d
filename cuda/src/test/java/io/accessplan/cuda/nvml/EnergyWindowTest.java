package io.accessplan.cuda.nvml;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The energy window over a counter, with a simulated clock and counter; NVML itself where it exists. */
class EnergyWindowTest {

    /** A board drawing a constant power: the counter advances in 100 ms updates, as NVML's. */
    private static final class SteppedBoard implements EnergyCounter {
        long nanos;
        final double watts;

        SteppedBoard(double watts) {
            this.watts = watts;
        }

        @Override
        public long millijoules() {
            long updates = nanos / 100_000_000L;   // the counter only moves every 100 ms
            return Math.round(updates * 0.1 * watts * 1e3);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void shortStepsAreExtendedToAWindowOfManyCounterUpdates() {
        SteppedBoard board = new SteppedBoard(300);
        long stepNanos = 7_000_000L;   // a 7 ms step: 3 timed steps would span 21 ms, under one update
        int[] ran = {0};
        double j = EnergyWindow.joulesPerStep(board, () -> board.nanos, 3, i -> {
            board.nanos += stepNanos;
            ran[0]++;
        });
        assertTrue(ran[0] * stepNanos >= EnergyWindow.MIN_WINDOW_NANOS, "window " + ran[0] + " steps");
        double truth = 300 * stepNanos / 1e9;   // 2.1 J per step
        assertEquals(truth, j, 300 * 0.1 / ran[0] + 1e-9);   // at most one 100 ms update lost over the window
    }

    @Test
    void longStepsNeedNoExtraSteps() {
        SteppedBoard board = new SteppedBoard(500);
        int[] ran = {0};
        double j = EnergyWindow.joulesPerStep(board, () -> board.nanos, 5, i -> {
            board.nanos += 300_000_000L;
            ran[0]++;
        });
        assertEquals(5, ran[0]);
        assertEquals(150.0, j, 150.0 * 0.1 / 5 + 1e-9);   // at most one 100 ms update lost over 1.5 s
    }

    @Test
    void aCounterGoingBackwardsAndBadStepCountsAreRefused() {
        long[] mj = {1000};
        EnergyCounter back = new EnergyCounter() {
            @Override
            public long millijoules() {
                return mj[0]--;
            }

            @Override
            public void close() {
            }
        };
        long[] t = {0};
        assertThrows(IllegalStateException.class, () -> EnergyWindow.joulesPerStep(back, () -> t[0], 1,
                i -> t[0] += 600_000_000L));
        assertThrows(IllegalArgumentException.class, () -> EnergyWindow.joulesPerStep(back, () -> t[0], 0, i -> { }));
    }

    @Test
    void withoutNvmlTheReasonIsOneLineAndWithItTheCounterAdvances() throws Exception {
        boolean lib = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"))
                || Files.exists(Path.of("/usr/lib64/libnvidia-ml.so.1"));
        if (!lib) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> Nvml.open(0));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains("energy not measured"), e.getMessage());
            return;
        }
        Nvml n;
        try {
            n = Nvml.open(0);
        } catch (UnsupportedOperationException e) {   // a driver without a device, or a pre-Volta card
            Assumptions.abort("NVML present but no energy counter: " + e.getMessage());
            return;
        }
        try (n) {
            long a = n.millijoules();
            Thread.sleep(600);
            long b = n.millijoules();
            assertTrue(b > a, a + " -> " + b + " mJ: an idle board still draws power");
            double watts = (b - a) / 1e3 / 0.6;
            assertTrue(watts > 5 && watts < 2000, watts + " W");
        }
    }
}
