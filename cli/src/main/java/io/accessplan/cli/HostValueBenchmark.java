package io.accessplan.cli;

import io.accessplan.collector.sim.CalibrationRun;
import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.cuda.exec.HostOptimizer;
import io.accessplan.features.OptimizerKind;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;

/**
 * Times the cuda engine's own host update ({@link HostOptimizer#update}, the code that optimizer
 * offload runs) on this machine, for fp32 Adam on normal values and on values whose second moments
 * are fp32 subnormals, the value class of {@code GradientValues} that no fitted row of the shipped
 * H200 data meets. What it gives calibrate is the ratio of the extra cost to the normal cost
 * ({@link CalibrationRun.HostPrior}); the card's host, which ran the rows, sets the scale.
 *
 * <p>How: {@link #PARAMETERS} parameters (64 MiB of state, beyond the caches, as in a real step),
 * the engine's schedule of updates (2 warm-up steps, then 3 timed; the middle one is what
 * {@code GradientValues} takes), each update timed by the CPU time of the one thread that runs it:
 * the update's parallel stream runs in a pool of one worker, so another process's load on a
 * shared machine moves wall time but not this. The gradients of the subnormal case are normal
 * floats with a spread of {@value #SUBNORMAL_SIGMA}, below {@code GradientValues}' threshold for
 * a subnormal moment after 4 updates ({@code sqrt(2^-126 / (0.001 * 4))}, about 1.7e-18), so their
 * squares are normal and the moments built from them subnormal: the case of the engine's plain
 * stacks, not a contrived one. The run checks the share of subnormal moments it made.
 */
final class HostValueBenchmark {
    /** Parameters updated per timing. */
    static final int PARAMETERS = 1 << 22;
    /** Standard deviation of the gradients of the normal case (the order of a trained model's). */
    static final double NORMAL_SIGMA = 1e-3;
    /** Standard deviation of the gradients whose Adam second moments stay subnormal. */
    static final double SUBNORMAL_SIGMA = 2.5e-19;
    /** Untimed updates before the timed ones, as the engine's sweep runs them. */
    static final int WARMUP_STEPS = 2;
    /** Timed updates. */
    static final int TIMED_STEPS = 3;

    /**
     * One measurement.
     *
     * @param normalNs          median CPU nanoseconds per parameter of an update on normal values
     * @param subnormalNs       the same where the second moments are subnormal
     * @param subnormalShare    share of the second moments that were subnormal after the last update of that case
     * @param normalSubnormalShare the same share in the normal case (0 when it is normal)
     * @param parameters        parameters per update
     * @param host              the CPU and JVM it ran on
     */
    record Result(double normalNs, double subnormalNs, double subnormalShare, double normalSubnormalShare,
                  int parameters, String host) {
        /** Extra cost of a subnormal-moment parameter as a multiple of a normal one's cost. */
        double ratio() {
            return Math.max(0, subnormalNs - normalNs) / normalNs;
        }

        /** The prior calibrate takes, with a description that says what was measured, where and how. */
        CalibrationRun.HostPrior prior() {
            return new CalibrationRun.HostPrior(ratio(), String.format(Locale.ROOT,
                    "HostOptimizer.update, fp32 Adam, %d parameters, median of %d timed updates after %d, one thread's"
                            + " CPU time, on %s: %.3g ns a parameter on normal values, %.3g ns with %.0f%% of the second"
                            + " moments subnormal", parameters, TIMED_STEPS, WARMUP_STEPS, host, normalNs, subnormalNs,
                    100 * subnormalShare));
        }
    }

    private HostValueBenchmark() {
    }

    /** Runs both cases on {@link #PARAMETERS} parameters. */
    static Result run() {
        return run(PARAMETERS);
    }

    /** Runs both cases on {@code n} parameters (after a short warm-up of the JIT on both). */
    static Result run(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Invalid parameters: " + n);
        }
        ForkJoinPool one = new ForkJoinPool(1);
        try {
            return one.submit(() -> {
                int small = Math.min(n, HostOptimizer.CHUNK);
                timeCase(small, NORMAL_SIGMA, 1);   // compiles the loop before anything is timed
                timeCase(small, SUBNORMAL_SIGMA, 2);
                double[] normal = timeCase(n, NORMAL_SIGMA, 3);
                double[] sub = timeCase(n, SUBNORMAL_SIGMA, 4);
                return new Result(normal[0], sub[0], sub[1], normal[1], n, host());
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("host benchmark interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("host benchmark failed: " + e.getCause(), e.getCause());
        } finally {
            one.shutdown();
        }
    }

    /**
     * The engine's updates of one case: median CPU ns per parameter of the timed ones, and the
     * share of the second moments that are subnormal after the last.
     */
    private static double[] timeCase(int n, double sigma, long seed) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Heap grads = new Heap(4L * n);
        Heap weights = new Heap(4L * n);
        Heap state = new Heap(12L * n);   // fp32 master, first and second moments
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer g = grads.memory(0, 4 * n);
        ByteBuffer w = weights.memory(0, 4 * n);
        for (int i = 0; i < n; i++) {
            g.putFloat(4 * i, (float) (sigma * gaussian(rnd)));
            w.putFloat(4 * i, (float) (0.035 * (2 * rnd.nextDouble() - 1)));   // the engine's initial weights
        }
        HostOptimizer.init(weights, state, DType.F32, n);
        double[] timed = new double[TIMED_STEPS];
        for (int step = 1; step <= WARMUP_STEPS + TIMED_STEPS; step++) {
            long t0 = threads.getCurrentThreadCpuTime();
            HostOptimizer.update(grads, state, DType.F32, OptimizerKind.ADAM, n, step, 1f);
            long t1 = threads.getCurrentThreadCpuTime();
            if (step > WARMUP_STEPS) {
                timed[step - WARMUP_STEPS - 1] = (double) (t1 - t0) / n;
            }
        }
        ByteBuffer v = state.memory(8L * n, 4 * n);
        int subnormal = 0;
        for (int i = 0; i < n; i++) {
            float x = Math.abs(v.getFloat(4 * i));
            if (x > 0 && x < Float.MIN_NORMAL) {
                subnormal++;
            }
        }
        Arrays.sort(timed);
        return new double[]{timed[TIMED_STEPS / 2], (double) subnormal / n};
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; nextDouble is in [0, 1), so 1 - u is never 0
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** The CPU's model name (Linux's /proc/cpuinfo), its threads, and the JVM. */
    static String host() {
        String cpu = System.getProperty("os.arch");
        try {
            Path info = Path.of("/proc/cpuinfo");
            if (Files.isReadable(info)) {
                cpu = Files.readAllLines(info).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // the architecture name stands in for the model
        }
        return cpu + " (" + Runtime.getRuntime().availableProcessors() + " threads), Java " + Runtime.version();
    }

    /** Host memory in a direct buffer: the update needs only Java access to it, not pinned pages. */
    private static final class Heap implements HostBuffer {
        private final ByteBuffer buf;

        Heap(long bytes) {
            buf = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public long bytes() {
            return buf.capacity();
        }

        @Override
        public long id() {
            return System.identityHashCode(this);
        }

        @Override
        public boolean backed() {
            return true;
        }

        @Override
        public ByteBuffer memory(long offset, int length) {
            return buf.slice(Math.toIntExact(offset), length).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
