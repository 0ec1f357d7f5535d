package io.accessplan.model;

import io.accessplan.model.train.TestModels;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The complete (heap) layout that serves a forest predicts bit for bit what XGBoost's own linked
 * walk predicts: on a trained model's real vectors, and on a hand-made booster with trees of
 * uneven depth, a one-leaf tree, default directions, negative and zero thresholds, ties, infinities
 * and missing values.
 */
class FlatForestLayoutTest {

    @Test
    void completeLayoutEqualsLinkedWalkOnATrainedModel() {
        StrategyModel model = TestModels.trained().model();
        FeatureEncoder enc = new FeatureEncoder();
        for (FastRegressor r : new FastRegressor[]{model.ensemble().time(), model.ensemble().peak()}) {
            FlatForest f = (FlatForest) r;
            assertTrue(f.complete(), "a depth-6 boosted forest is served through the complete layout");
            FlatForest linked = f.linkedOnly();
            assertFalse(linked.complete());
            for (Workload w : SyntheticRows.workloads(300, 97)) {
                List<Strategy> c = Strategy.candidates(w);
                double[][] xs = c.stream().map(s -> enc.encode(w, s)).toArray(double[][]::new);
                double[] got = new double[xs.length];
                double[] want = new double[xs.length];
                f.predictAll(xs, got);
                linked.predictAll(xs, want);
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(want[i], got[i], 0.0, w.canonical() + " " + c.get(i));
                    assertEquals(want[i], f.predict(xs[i]), 0.0);
                }
            }
        }
    }

    /** Tree 0: depth 3, uneven; tree 1: a single leaf; tree 2: depth 1 on a zero threshold. */
    static final String BOOSTER = """
            {"learner": {"learner_model_param": {"base_score": "5E-1"},
              "gradient_booster": {"name": "gbtree", "model": {"trees": [
                {"left_children": [1, 3, -1, 5, -1, -1, -1], "right_children": [2, 4, -1, 6, -1, -1, -1],
                 "split_indices": [0, 1, 0, 2, 0, 0, 0],
                 "split_conditions": [1.5, -2.25, 0.125, 0.0, -0.5, 0.75, 3.0],
                 "default_left": [false, true, false, false, false, false, false]},
                {"left_children": [-1], "right_children": [-1], "split_indices": [0],
                 "split_conditions": [0.0625], "default_left": [false]},
                {"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [2, 0, 0],
                 "split_conditions": [-0.0, 1.0, -1.0], "default_left": [true, false, false]}
              ]}}}}
            """;

    @Test
    void completeLayoutEqualsLinkedWalkOnEdgeValues() {
        FlatForest f = FlatForest.fromBoosterJson(BOOSTER, new int[]{0, 1, 2});
        assertTrue(f.complete());
        FlatForest linked = f.linkedOnly();
        double[] edge = {Double.NEGATIVE_INFINITY, -3, -2.25, -2.2499999, -0.0, 0.0, 1e-45, 0.125, 1.5, 1.4999999,
                1.5000001, 7, Double.POSITIVE_INFINITY, Double.NaN, Double.MAX_VALUE, -Double.MAX_VALUE};
        SplittableRandom r = new SplittableRandom(3);
        double[][] xs = new double[2000][];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = new double[]{edge[r.nextInt(edge.length)], edge[r.nextInt(edge.length)],
                    edge[r.nextInt(edge.length)]};
        }
        for (int i = 0; i < xs.length; i++) {
            assertEquals(linked.predict(xs[i]), f.predict(xs[i]), 0.0, java.util.Arrays.toString(xs[i]));
        }
        // batches of every size, with and without a missing value among them
        for (int m = 1; m <= 11; m++) {
            for (int start = 0; start + m <= 200; start += m) {
                double[][] batch = java.util.Arrays.copyOfRange(xs, start, start + m);
                double[] got = new double[m];
                double[] want = new double[m];
                f.predictAll(batch, got);
                linked.predictAll(batch, want);
                for (int i = 0; i < m; i++) {
                    assertEquals(want[i], got[i], 0.0, java.util.Arrays.toString(batch[i]));
                }
            }
        }
    }

    @Test
    void anEnsembleOfForestsReadingDifferentWidthsPredictsAsEachForest() {
        // the second forest reads columns 0..2 at positions 4, 0, 1: widths 3 and 5
        CompiledEnsemble e = new CompiledEnsemble(FlatForest.fromBoosterJson(BOOSTER, new int[]{0, 1, 2}),
                FlatForest.fromBoosterJson(BOOSTER, new int[]{4, 0, 1}));
        SplittableRandom r = new SplittableRandom(4);
        for (int m = 1; m <= 9; m++) {
            for (boolean nan : new boolean[]{false, true}) {
                double[][] xs = rows(r, m, nan);
                double[] time = new double[m];
                double[] peak = new double[m];
                e.predictAll(xs, time, peak);
                for (int i = 0; i < m; i++) {
                    assertEquals(e.time().predict(xs[i]), time[i], 0.0);
                    assertEquals(e.peak().predict(xs[i]), peak[i], 0.0);
                    assertEquals(((FlatForest) e.peak()).linkedOnly().predict(xs[i]), peak[i], 0.0);
                }
            }
        }
    }

    @Test
    void forestsSharingOneConversionEachPredictWhatTheyPredictAlone() {
        // three widths (3, 5, 4) and one forest served by the linked walk: the shared keys are as
        // wide as the widest complete forest, the linked one reads the vectors themselves
        FastRegressor[] fs = {FlatForest.fromBoosterJson(BOOSTER, new int[]{0, 1, 2}),
                FlatForest.fromBoosterJson(BOOSTER, new int[]{4, 0, 1}),
                FlatForest.fromBoosterJson(BOOSTER, new int[]{3, 2, 0}).linkedOnly()};
        SplittableRandom r = new SplittableRandom(8);
        for (int m = 1; m <= 9; m++) {
            for (boolean nan : new boolean[]{false, true}) {
                double[][] xs = rows(r, m, nan);
                double[][] out = new double[fs.length][m];
                CompiledEnsemble.predictAll(fs, xs, out);
                for (int k = 0; k < fs.length; k++) {
                    FlatForest linked = ((FlatForest) fs[k]).complete() ? ((FlatForest) fs[k]).linkedOnly()
                            : (FlatForest) fs[k];
                    for (int i = 0; i < m; i++) {
                        assertEquals(linked.predictLinked(xs[i]), out[k][i], 0.0, "forest " + k + " row " + i);
                    }
                }
            }
        }
    }

    /** {@code m} vectors of 5 values in [-3, 3), one of them NaN if {@code nan}. */
    private static double[][] rows(SplittableRandom r, int m, boolean nan) {
        double[][] xs = new double[m][5];
        for (double[] x : xs) {
            for (int j = 0; j < x.length; j++) {
                x[j] = r.nextDouble(-3, 3);
            }
        }
        if (nan) {
            xs[r.nextInt(m)][r.nextInt(5)] = Double.NaN;
        }
        return xs;
    }

    @Test
    void keysOrderAsTheFloats() {
        float[] v = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -2f, -1f, -Float.MIN_VALUE, -0f, 0f, Float.MIN_VALUE,
                1f, 2f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};
        for (float a : v) {
            for (float b : v) {
                assertEquals(a < b, FlatForest.key(a) < FlatForest.key(b), a + " < " + b);
            }
        }
    }
}
