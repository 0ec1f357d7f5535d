package io.accessplan.benchmarks;

import io.accessplan.collector.sim.SimBackend;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How many (workload, strategy) pairs a second the collector's inner loop evaluates: the planner
 * building a schedule, and the simulated backend replaying it, measured apart and together.
 *
 * <p>The mix is what a sweep sees: GPT, Llama, BERT and MLP models from 4 to 24 layers and
 * hidden sizes 256 to 2048 (GPT-2-small-sized on average), sequence lengths 128 to 2048,
 * batches 1 to 16, every precision a device supports, naive and fused attention, on every
 * catalog device, each with all its candidate strategies (4,124 pairs, 1,164 operations per
 * schedule on average; GPT-2 small's {@code keep} schedule has 1,020). The workloads are drawn
 * once with a fixed seed, so every run times the same mix.
 *
 * <ul>
 * <li>{@code plan}: {@code Planner.schedule} alone.</li>
 * <li>{@code planAndAnalyse}: the schedule and its analytic {@code Plan} (what the feature
 *     encoder needs).</li>
 * <li>{@code simulate}: {@code SimBackend.measure} (5 repeats) on schedules built in setup
 *     (their {@code Plan} is memoized after the first pass over the pool).</li>
 * <li>{@code planAndSimulate}: the whole evaluation of one pair, as a sweep runs it.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SimulatorBenchmark}; briefly:
 * {@code java -jar benchmarks/target/benchmarks.jar SimulatorBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s},
 * and with {@code -t 2} for both cores. Scores are pairs per second, summed over the benchmark
 * threads.
 *
 * <p>Each benchmark also reports {@code cpu}: the same pairs per second of the benchmark
 * thread's own CPU time (thread CPU clock, sampled once per iteration). On a machine shared
 * with other jobs the wall-clock score measures the share of a core the benchmark got; the
 * {@code cpu} score measures the code.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Thread)
public class SimulatorBenchmark {
    /** Pairs in the mix; schedules kept for {@code simulate} (bounded: a schedule holds its ops). */
    private static final int PAIRS = 4096;
    private static final int PREBUILT = 256;
    /** Seed of the mix. */
    private static final long MIX_SEED = 20240611L;

    private Workload[] workloads;
    private Strategy[] strategies;
    private Schedule[] schedules;
    private SimBackend sim;
    private int next;
    private int nextBuilt;

    /** Pairs per CPU-second of the benchmark thread, next to JMH's pairs per wall-second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Cpu {
        private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
        /**
         * Calls scaled by wall time over CPU time: JMH divides OPERATIONS counters by the
         * iteration's wall time, which leaves calls per CPU-second.
         */
        public double cpu;
        private long calls;
        private long cpu0;
        private long wall0;

        /** Starts the iteration's clocks. */
        @Setup(Level.Iteration)
        public void start() {
            calls = 0;
            cpu = 0;
            cpu0 = MX.getCurrentThreadCpuTime();
            wall0 = System.nanoTime();
        }

        /** Converts the iteration's calls into the wall-normalised counter. */
        @TearDown(Level.Iteration)
        public void stop() {
            long cpuNs = Math.max(1, MX.getCurrentThreadCpuTime() - cpu0);
            cpu = calls * (double) (System.nanoTime() - wall0) / cpuNs;
        }
    }

    /** Draws the mix and builds the schedules the {@code simulate} benchmark replays. */
    @Setup
    public void setUp() {
        sim = new SimBackend();
        List<Workload> ws = new ArrayList<>();
        List<Strategy> ss = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(MIX_SEED);
        List<String> devices = DeviceCatalog.builtin().names();
        Family[] families = {Family.GPT, Family.GPT, Family.LLAMA, Family.BERT, Family.MLP};
        int[] hiddens = {256, 512, 768, 768, 1024, 1536, 2048};
        int[] layerCounts = {4, 6, 8, 12, 12, 16, 24};
        int[] seqs = {128, 256, 512, 1024, 2048};
        int[] batches = {1, 2, 4, 8, 8, 16};
        while (ws.size() < PAIRS) {
            Family f = families[r.nextInt(families.length)];
            int h = hiddens[r.nextInt(hiddens.length)];
            Precision p = Precision.values()[r.nextInt(3)];
            var device = DeviceCatalog.builtin().get(devices.get(r.nextInt(devices.size())));
            if (!device.supports(p)) {
                p = Precision.FP16;
            }
            Workload w = new Workload(ModelSpec.of(f, layerCounts[r.nextInt(layerCounts.length)], h,
                    f == Family.MLP ? 1 : h / 64),
                    new TrainingConfig(seqs[r.nextInt(seqs.length)], batches[r.nextInt(batches.length)], p,
                            r.nextInt(4) == 0 ? OptimizerKind.SGD : OptimizerKind.ADAM,
                            r.nextBoolean() ? AttentionKind.FUSED : AttentionKind.NAIVE), device);
            for (Strategy s : Strategy.candidates(w)) {
                ws.add(w);
                ss.add(s);
            }
        }
        // shuffle pairs so consecutive calls do not share a workload
        int n = ws.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        workloads = new Workload[n];
        strategies = new Strategy[n];
        for (int i = 0; i < n; i++) {
            workloads[i] = ws.get(order[i]);
            strategies[i] = ss.get(order[i]);
        }
        schedules = new Schedule[PREBUILT];
        for (int i = 0; i < PREBUILT; i++) {
            schedules[i] = Planner.schedule(workloads[i], strategies[i]);
        }
    }

    private int advance() {
        int i = next;
        next = i + 1 == workloads.length ? 0 : i + 1;
        return i;
    }

    /** The planner alone: one schedule. */
    @Benchmark
    public Schedule plan(Cpu c) {
        c.calls++;
        int i = advance();
        return Planner.schedule(workloads[i], strategies[i]);
    }

    /** The planner and the analytic summary of its schedule. */
    @Benchmark
    public Plan planAndAnalyse(Cpu c) {
        c.calls++;
        int i = advance();
        return Planner.schedule(workloads[i], strategies[i]).plan();
    }

    /** The simulator alone, on schedules built in setup. */
    @Benchmark
    public io.accessplan.features.Measurement simulate(Cpu c) {
        c.calls++;
        int i = nextBuilt;
        nextBuilt = i + 1 == PREBUILT ? 0 : i + 1;
        return sim.measure(schedules[i], 5, i);
    }

    /** One (workload, strategy) pair evaluated end to end: plan, then simulate. */
    @Benchmark
    public io.accessplan.features.Measurement planAndSimulate(Cpu c) {
        c.calls++;
        int i = advance();
        return sim.measure(Planner.schedule(workloads[i], strategies[i]), 5, i);
    }
}
