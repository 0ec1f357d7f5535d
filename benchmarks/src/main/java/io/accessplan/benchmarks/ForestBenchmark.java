package io.accessplan.benchmarks;

import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.model.CompiledEnsemble;
import io.accessplan.model.FastRegressor;
import io.accessplan.model.FlatForest;
import io.accessplan.model.ForestGroup;
import io.accessplan.model.StrategyModel;
import io.accessplan.predictor.AccessPlanner;
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
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per tree per row of the served tree traversal, the unit in which tree-ensemble
 * engines are compared (QuickScorer, Lucchese et al., SIGIR 2015; lleaves): the bundled model's
 * three forests (step time, peak memory, within-workload step time; 3 x 150 trees of depth 6)
 * over the candidate rows of {@link PredictorBenchmark}'s workloads, each workload's rows in one
 * call as a lookup makes it, the conversion of the rows to keys included.
 *
 * <p>{@link #treesPerRow} is the served path, a {@link ForestGroup}: each tree walked once for all
 * the rows of a lookup as a set, its threshold table filled once for the three forests (the fill
 * included in the score). {@link #treesPerRowOneByOne} is the walk it replaced, each row down
 * each tree on its own, for comparison.
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar ForestBenchmark -f 1 -wi 2 -i 3 -w 3s -r 4s}. The score is
 * nanoseconds per tree per row ({@code @OperationsPerInvocation} = rows x trees).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ForestBenchmark {
    /** Candidate rows walked per invocation (the first workloads' rows, the last one cut short). */
    static final int ROWS = 4096;
    /** Trees of the bundled model's three forests. */
    static final int TREES = 450;

    private FastRegressor[] forests;
    private ForestGroup group;
    /** The rows, one array per workload. */
    private double[][][] groups;

    /** Encodes the candidate rows of the benchmark workloads; refuses a model of another size. */
    @Setup
    public void setup() {
        StrategyModel m = AccessPlanner.bundled().model();
        forests = new FastRegressor[]{m.ensemble().time(), m.ensemble().peak(),
                CompiledEnsemble.compile(m.rankModel(), m.metadata().featureNames())};
        int trees = 0;
        for (FastRegressor f : forests) {
            trees += ((FlatForest) f).trees();
        }
        group = ForestGroup.of(forests);
        if (trees != TREES) {
            throw new IllegalStateException("ForestBenchmark counts " + TREES + " trees, the model has " + trees);
        }
        FeatureEncoder enc = FeatureEncoder.of(m.metadata().schemaVersion());   // the layout the bundled file records
        List<double[][]> gs = new ArrayList<>();
        int rows = 0;
        for (Workload w : PredictorBenchmark.workloads(1000, 7)) {
            List<Analysis> as = Analysis.all(w, m.candidates(w));
            int n = Math.min(as.size(), ROWS - rows);
            double[][] xs = new double[n][];
            for (int i = 0; i < n; i++) {
                xs[i] = enc.encode(as.get(i));
            }
            if (n > 0) {
                gs.add(xs);
            }
            rows += n;
            if (rows == ROWS) {
                break;
            }
        }
        groups = gs.toArray(new double[0][][]);
    }

    /** Every tree of the three forests over every row, as served; the score is nanoseconds per tree per row. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(ROWS * TREES)
    public double treesPerRow() {
        double sum = 0;
        for (double[][] xs : groups) {
            double[][] out = new double[forests.length][xs.length];
            group.predictAll(xs, out);
            sum += out[0][0] + out[1][0] + out[2][0];
        }
        return sum;
    }

    /** The same, each row walked down each tree on its own (the traversal before the set walk). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(ROWS * TREES)
    public double treesPerRowOneByOne() {
        double sum = 0;
        for (double[][] xs : groups) {
            double[][] out = new double[forests.length][xs.length];
            CompiledEnsemble.predictAll(forests, xs, out);
            sum += out[0][0] + out[1][0] + out[2][0];
        }
        return sum;
    }
}
