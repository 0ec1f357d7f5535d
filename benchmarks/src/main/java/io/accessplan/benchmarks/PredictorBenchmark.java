package io.accessplan.benchmarks;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Recommendation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Latency of one {@code recommend} (every candidate strategy scored) and throughput of the batch
 * call, with the bundled model, over 1,000 varied workloads (every family on every device, ~10M to
 * ~13B parameters, 25.8 valid candidates a workload on average; the bundled model walks its
 * within-workload step-time forest (50 trees of depth 6) and its peak forest (25 trees of depth 8)
 * over the candidates and its one-row step-time level regressor (50 trees) once; an old-form file walks its absolute step-time
 * forest too).
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar PredictorBenchmark -f 1 -wi 2 -i 3 -w 3s -r 4s}.
 * {@code recommend} runs in sample-time mode, so JMH prints its p50 and p99; {@code batch} reports
 * workloads per second ({@code @OperationsPerInvocation}) with the batch call spread over all
 * cores. On a shared machine, note {@code uptime}'s load average with the figures: both calls
 * are CPU-bound and slow down in proportion to what else runs. {@link ForestBenchmark} times the
 * tree walks alone (nanoseconds per tree per row), {@link LookupConsistency} checks that threads
 * sharing one planner get the single-threaded answers.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PredictorBenchmark {
    private static final int WORKLOADS = 1000;

    private AccessPlanner planner;
    private List<Workload> workloads;
    private int next;

    /**
     * Loads the bundled model (or the file named by {@code -Daccessplan.benchmark.model}, passed
     * with {@code -jvmArgsAppend}) and draws the workloads (fixed seed), then looks them up on this
     * one thread for {@link #WARM_SECONDS} s ({@code -Daccessplan.benchmark.warmSeconds}, 0 for
     * none) before JMH's own warm-up: so that the figures are the compiled code's steady state.
     * With both cores busy (the batch call) the JIT compiler has little CPU left, and a fork's
     * warm-up of {@code -wi 2 -w 3s} ended before the compiled code was in place: without this
     * warm-up, warm-up iterations 3 to 6 of the batch call went 48.5k, 49.4k, 51.9k, 51.3k
     * workloads/s and the measured ones of such forks 47k to 50k (2026-12-01, load ~1.5).
     */
    @Setup
    public void setup() throws java.io.IOException {
        String model = System.getProperty("accessplan.benchmark.model");
        planner = model == null ? AccessPlanner.bundled() : AccessPlanner.load(java.nio.file.Path.of(model));
        workloads = workloads(WORKLOADS, 7);
        long end = System.nanoTime() + (long) (Double.parseDouble(System.getProperty("accessplan.benchmark.warmSeconds",
                Double.toString(WARM_SECONDS))) * 1e9);
        while (System.nanoTime() < end) {
            for (Workload w : workloads) {
                planner.recommend(w);
            }
        }
    }

    /** Seconds of single-thread lookups before JMH's warm-up ({@link #setup}). */
    static final double WARM_SECONDS = 8;

    /** Workloads of every family on every device, from ~10M to ~13B parameters. */
    static List<Workload> workloads(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<DeviceProfile> devices = new ArrayList<>(DeviceCatalog.builtin().all());
        List<Workload> out = new ArrayList<>(n);
        int[] hidden = {512, 768, 1024, 2048, 4096, 5120};
        while (out.size() < n) {
            Family f = Family.values()[r.nextInt(4)];
            int h = hidden[r.nextInt(hidden.length)];
            DeviceProfile d = devices.get(r.nextInt(devices.size()));
            Precision p = d.bf16() && r.nextBoolean() ? Precision.BF16 : Precision.FP16;
            ModelSpec m = ModelSpec.of(f, 4 + r.nextInt(44), h, f == Family.MLP ? 1 : h / 64);
            out.add(new Workload(m, new TrainingConfig(128 << r.nextInt(6), 1 << r.nextInt(6), p, OptimizerKind.ADAM,
                    r.nextBoolean() ? AttentionKind.FUSED : AttentionKind.NAIVE), d));
        }
        return out;
    }

    /** One lookup: every candidate strategy of one workload scored and ranked. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Recommendation recommend() {
        Workload w = workloads.get(next);
        next = next + 1 == WORKLOADS ? 0 : next + 1;
        return planner.recommend(w);
    }

    /** The batch call over 1,000 workloads; the score is workloads per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(WORKLOADS)
    public List<Recommendation> batch() {
        return planner.recommendAll(workloads);
    }
}
