package io.accessplan.cuda.nvml;

import java.util.function.LongSupplier;

/**
 * Energy per step from a cumulative counter read around a run of steps. NVML's counter is
 * updated every ~20-100 ms (Yang et al., "Part-time Power Measurements: nvidia-smi's Lack of
 * Attention", arXiv:2312.02741: A100/H100 power sampled over 25 ms of every 100 ms), so the
 * window is extended with further steps until it spans at least {@link #MIN_WINDOW_NANOS}: the
 * counter's granularity is then at most a few percent of the difference.
 */
public final class EnergyWindow {
    /** Shortest window the energy of a step is read over: 500 ms, five updates of the slowest counter. */
    public static final long MIN_WINDOW_NANOS = 500_000_000L;

    /** Most steps one window may run (a step of microseconds would otherwise loop for long). */
    public static final int MAX_STEPS = 10_000;

    private EnergyWindow() {
    }

    /** A step of the workload, run and synchronized. */
    public interface Step {
        /** Runs step {@code i} (0, 1, ...) of the window to completion. */
        void run(int i);
    }

    /**
     * Joules per step over at least {@code steps} steps and at least {@link #MIN_WINDOW_NANOS} of
     * wall time: the counter's difference over the window divided by the steps it held.
     *
     * @param counter millijoules so far (the device's energy counter)
     * @param clock   nanoseconds (System::nanoTime)
     */
    public static double joulesPerStep(EnergyCounter counter, LongSupplier clock, int steps, Step step) {
        if (steps < 1) {
            throw new IllegalArgumentException("Invalid steps: " + steps + " (must be >= 1)");
        }
        long e0 = counter.millijoules();
        long t0 = clock.getAsLong();
        int n = 0;
        while (n < steps || (clock.getAsLong() - t0 < MIN_WINDOW_NANOS && n < MAX_STEPS)) {
            step.run(n);
            n++;
        }
        long e1 = counter.millijoules();
        if (e1 < e0) {
            throw new IllegalStateException("NVML energy counter went backwards: " + e0 + " -> " + e1 + " mJ");
        }
        return (e1 - e0) / 1e3 / n;
    }
}
