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
 * engines are compared (QuickScorer, Lucchese et al., SIGIR 2015; lleaves): the forests a lookup
 * walks over every candidate row, as many as the model has (peak memory and within-workload step
 * time, and the absolute step time in a file of the absolute form; the bundled model: 25 peak trees
 * of depth 8 and 50 within-workload trees of depth 6; a file with the one-row level regressor walks that over one
 * row a workload, left out here), over the candidate rows of {@link PredictorBenchmark}'s workloads, each
 * workload's rows in one call as a lookup makes it, the conversion of the rows to keys included.
 *
 * <p>{@link #treesPerRow} is the served path, a {@link ForestGroup}: each tree walked once for all
 * the rows of a lookup as a set, its threshold table filled once for all the forests (the fill
 * included in the score). {@link #treesPerRowOneByOne} is the walk it replaced, each row down
 * each tree on its own, for comparison.
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar ForestBenchmark -f 1 -wi 2 -i 3 -w 3s -r 4s}; another model file
 * with {@code -jvmArgsAppend -Daccessplan.benchmark.model=FILE}. The score is nanoseconds per tree
 * per row: an invocation walks {@link #TREE_ROWS} (tree, row) pairs ({@code @OperationsPerInvocation}),
 * over {@code TREE_ROWS / trees} rows (the workloads' candidates, taken again from the first
 * where they run out); a model whose tree count does not divide it is refused in setup.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ForestBenchmark {
    /**
     * (tree, row) pairs walked per invocation: 2^10 x 3^2 x 5^3 x 7, a multiple of every forest
     * total in steps of 50 trees up to 500 and of most beyond (300 trees: 26,880 rows; 450: 17,920).
     */
    static final int TREE_ROWS = 8_064_000;

    private FastRegressor[] forests;
    private ForestGroup group;
    /** The rows, one array per workload. */
    private double[][][] groups;

    /**
     * Loads the bundled model (or {@code -Daccessplan.benchmark.model}), takes the forests it walks
     * over candidate rows, and encodes {@code TREE_ROWS / trees} candidate rows.
     */
    @Setup
    public void setup() throws java.io.IOException {
        String file = System.getProperty("accessplan.benchmark.model");
        StrategyModel m = file == null ? AccessPlanner.bundled().model()
                : StrategyModel.load(java.nio.file.Path.of(file));
        List<FastRegressor> fs = new ArrayList<>();
        for (FastRegressor f : new FastRegressor[]{m.ensemble().time(), m.ensemble().peak(), m.compiledRank()}) {
            if (f != null) {
                fs.add(f);
            }
        }
        forests = fs.toArray(new FastRegressor[0]);
        int trees = 0;
        for (FastRegressor f : forests) {
            if (!(f instanceof FlatForest flat)) {
                throw new IllegalStateException("ForestBenchmark walks XGBoost forests; this model has a "
                        + f.getClass().getSimpleName());
            }
            trees += flat.trees();
        }
        if (TREE_ROWS % trees != 0) {
            throw new IllegalStateException("ForestBenchmark walks " + TREE_ROWS + " (tree, row) pairs an invocation,"
                    + " which " + trees + " trees do not divide");
        }
        group = ForestGroup.of(forests);
        FeatureEncoder enc = FeatureEncoder.of(m.metadata().schemaVersion());   // the layout the file records
        List<double[][]> distinct = new ArrayList<>();
        for (Workload w : PredictorBenchmark.workloads(1000, 7)) {
            List<Analysis> as = Analysis.all(w, m.candidates(w));
            double[][] xs = new double[as.size()][];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = enc.encode(as.get(i));
            }
            if (xs.length > 0) {
                distinct.add(xs);
            }
        }
        int rows = TREE_ROWS / trees;
        List<double[][]> gs = new ArrayList<>();
        for (int k = 0, taken = 0; taken < rows; k = (k + 1) % distinct.size()) {
            double[][] xs = distinct.get(k);
            int n = Math.min(xs.length, rows - taken);
            gs.add(n == xs.length ? xs : java.util.Arrays.copyOf(xs, n));
            taken += n;
        }
        groups = gs.toArray(new double[0][][]);
    }

    /** Every tree of the walked forests over every row, as served; the score is nanoseconds per tree per row. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(TREE_ROWS)
    public double treesPerRow() {
        double sum = 0;
        for (double[][] xs : groups) {
            double[][] out = new double[forests.length][xs.length];
            group.predictAll(xs, out);
            sum += firsts(out);
        }
        return sum;
    }

    /** The same, each row walked down each tree on its own (the traversal before the set walk). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(TREE_ROWS)
    public double treesPerRowOneByOne() {
        double sum = 0;
        for (double[][] xs : groups) {
            double[][] out = new double[forests.length][xs.length];
            CompiledEnsemble.predictAll(forests, xs, out);
            sum += firsts(out);
        }
        return sum;
    }

    /** The sum of each forest's first output: a result JMH consumes, so no walk is dead code. */
    private static double firsts(double[][] out) {
        double sum = 0;
        for (double[] o : out) {
            sum += o[0];
        }
        return sum;
    }
}
