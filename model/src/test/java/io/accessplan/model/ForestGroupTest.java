package io.accessplan.model;

import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.FeatureEncoder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The set walk of a {@link ForestGroup} predicts bit for bit what XGBoost's own linked walk
 * ({@link FlatForest#predictLinked}) predicts for each row alone: on the checked-in model's real
 * lookups, on rows sitting exactly on its thresholds and one float to either side, in batches of
 * every size (the row walk below {@link ForestGroup#MIN_SET_ROWS}, several tables above
 * {@link ThresholdIndex#MAX_ROWS}), on trees of uneven depth, and with missing values.
 */
class ForestGroupTest {

    static StrategyModel shipped() throws IOException {
        try (InputStream in = ForestGroupTest.class.getResourceAsStream("shipped-v4r.apmodel")) {
            assertNotNull(in);
            return StrategyModel.fromBytes(in.readAllBytes(), "shipped-v4r.apmodel");
        }
    }

    static FlatForest[] forests(StrategyModel m) {
        return new FlatForest[]{(FlatForest) m.ensemble().time(), (FlatForest) m.ensemble().peak(),
                (FlatForest) m.compiledRank()};
    }

    /** Asserts that the group's values for {@code xs} are each forest's linked walk of each row. */
    private static void assertLinked(FlatForest[] fs, ForestGroup g, double[][] xs) {
        double[][] out = new double[fs.length][xs.length];
        g.predictAll(xs, out);
        for (int k = 0; k < fs.length; k++) {
            FlatForest linked = fs[k].linkedOnly();
            for (int i = 0; i < xs.length; i++) {
                assertEquals(linked.predictLinked(xs[i]), out[k][i], 0.0,
                        "forest " + k + ", row " + i + " of " + xs.length + ": " + Arrays.toString(xs[i]));
            }
        }
    }

    @Test
    void theShippedModelsForestsGivenAllTheCandidatesOfALookupPredictWhatTheLinkedWalkPredicts() throws IOException {
        FlatForest[] fs = forests(shipped());
        for (FlatForest f : fs) {
            assertTrue(f.setWalkable());
        }
        ForestGroup g = ForestGroup.of(fs);
        FeatureEncoder enc = FeatureEncoder.of(4);   // shipped-v4r records feature schema 4
        List<double[]> pool = new ArrayList<>();
        StrategyModel m = shipped();
        for (Workload w : SyntheticRows.workloads(200, 41)) {
            List<Analysis> as = Analysis.all(w, m.candidates(w));
            double[][] xs = new double[as.size()][enc.width()];
            enc.encodeAll(as, xs);
            assertLinked(fs, g, xs);
            pool.addAll(Arrays.asList(xs));
        }
        // rows of several lookups together, every size to 100 (up to four tables)
        SplittableRandom r = new SplittableRandom(5);
        for (int n = 1; n <= 100; n++) {
            double[][] xs = new double[n][];
            for (int i = 0; i < n; i++) {
                xs[i] = pool.get(r.nextInt(pool.size()));
            }
            assertLinked(fs, g, xs);
        }
    }

    /** The float whose {@link FlatForest#key} is {@code key}. */
    private static float fromKey(int key) {
        return Float.intBitsToFloat(key ^ ((key >> 31) & 0x7fffffff));
    }

    @Test
    void rowsOnTheThresholdsAndOneFloatAwayGoWhereTheLinkedWalkSendsThem() throws IOException {
        FlatForest[] fs = forests(shipped());
        int width = new ThresholdIndex(fs).width;
        List<List<Float>> byFeature = new ArrayList<>();
        for (int f = 0; f < width; f++) {
            byFeature.add(new ArrayList<>());
        }
        for (FlatForest f : fs) {
            f.forEachSplit((feature, key) -> byFeature.get(feature).add(fromKey(key)));
        }
        ForestGroup g = ForestGroup.of(fs);
        SplittableRandom r = new SplittableRandom(11);
        for (int n = 1; n <= 70; n++) {
            for (int rep = 0; rep < 3; rep++) {
                double[][] xs = new double[n][width];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < width; j++) {
                        List<Float> t = byFeature.get(j);
                        float v = t.isEmpty() ? (float) r.nextDouble(-5, 5) : t.get(r.nextInt(t.size()));
                        int side = r.nextInt(4);
                        xs[i][j] = side == 0 ? Math.nextDown(v) : side == 1 ? Math.nextUp(v) : v;
                    }
                    if (i > 0 && r.nextInt(3) == 0) {
                        // rows repeating one another, features in common with others: as a lookup's candidates
                        xs[i] = xs[r.nextInt(i)].clone();
                        xs[i][r.nextInt(width)] = xs[r.nextInt(i)][0];
                    }
                }
                assertLinked(fs, g, xs);
            }
        }
    }

    /**
     * Two trees of depth 3, one uneven (shallow leaves padded in the complete layout), a default
     * direction to the left, negative, zero and equal thresholds: every tree of one depth, the
     * set walk's layout without padding.
     */
    private static final String UNIFORM_BOOSTER = """
            {"learner": {"learner_model_param": {"base_score": "5E-1"},
              "gradient_booster": {"name": "gbtree", "model": {"trees": [
                {"left_children": [1, 3, -1, 5, -1, -1, -1], "right_children": [2, 4, -1, 6, -1, -1, -1],
                 "split_indices": [0, 1, 0, 2, 0, 0, 0],
                 "split_conditions": [1.5, -2.25, 0.125, 0.0, -0.5, 0.75, 3.0],
                 "default_left": [false, true, false, false, false, false, false]},
                {"left_children": [1, 3, -1, 5, -1, -1, -1], "right_children": [2, 4, -1, 6, -1, -1, -1],
                 "split_indices": [2, 0, 0, 1, 0, 0, 0],
                 "split_conditions": [-0.0, -0.5, 0.25, 1.5, -0.125, 1.0, -1.0],
                 "default_left": [true, false, false, true, false, false, false]}
              ]}}}}
            """;

    @Test
    void treesOfUnevenShapeOrDepthEdgeValuesAndMissingValuesInBatchesOfEverySize() {
        FlatForest a = FlatForest.fromBoosterJson(UNIFORM_BOOSTER, new int[]{0, 1, 2});
        FlatForest b = FlatForest.fromBoosterJson(UNIFORM_BOOSTER, new int[]{4, 0, 1});
        // trees of depths 3, 0 and 1, padded to depth 3 for the set walk
        FlatForest c = FlatForest.fromBoosterJson(FlatForestLayoutTest.BOOSTER, new int[]{3, 2, 0});
        assertTrue(a.setWalkable() && b.setWalkable() && c.setWalkable());
        FlatForest[] fs = {a, b, c};
        ForestGroup g = ForestGroup.of(fs);
        double[] edge = {Double.NEGATIVE_INFINITY, -3, -2.25, -2.2499999, -0.0, 0.0, 1e-45, 0.125, 1.5, 1.4999999,
                1.5000001, 7, Double.POSITIVE_INFINITY, Double.MAX_VALUE, -Double.MAX_VALUE, -0.5, 0.75, 3.0};
        SplittableRandom r = new SplittableRandom(13);
        for (int n = 1; n <= 70; n++) {
            for (boolean nan : new boolean[]{false, true}) {
                double[][] xs = new double[n][5];
                for (double[] x : xs) {
                    for (int j = 0; j < 5; j++) {
                        x[j] = edge[r.nextInt(edge.length)];
                    }
                }
                if (nan) {
                    xs[r.nextInt(n)][r.nextInt(5)] = Double.NaN;
                }
                assertLinked(fs, g, xs);
            }
        }
    }

    @Test
    void aRegressorWithoutAnOutputIsLeftOutAndTheOthersAreUnchanged() throws IOException {
        StrategyModel m = shipped();
        FlatForest[] fs = forests(m);
        ForestGroup g = ForestGroup.of(fs);
        FeatureEncoder enc = FeatureEncoder.of(4);   // shipped-v4r records feature schema 4
        Workload w = SyntheticRows.workloads(1, 3).get(0);
        List<Analysis> as = Analysis.all(w, m.candidates(w));
        double[][] xs = new double[as.size()][enc.width()];
        enc.encodeAll(as, xs);
        double[][] all = new double[3][xs.length];
        g.predictAll(xs, all);
        double[][] some = {null, new double[xs.length], new double[xs.length]};
        g.predictAll(xs, some);
        assertEquals(Arrays.toString(all[1]), Arrays.toString(some[1]));
        assertEquals(Arrays.toString(all[2]), Arrays.toString(some[2]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.predictAll(xs, new double[2][xs.length]));
        assertEquals("Invalid outputs: 2 arrays for 3 regressors", e.getMessage());
    }

    @Test
    void aTableHoldsInEachSlotTheRowsAtOrAboveItsThreshold() throws IOException {
        FlatForest[] fs = forests(shipped());
        ThresholdIndex index = new ThresholdIndex(fs);
        int width = index.width;
        List<int[]> splits = new ArrayList<>();
        for (FlatForest f : fs) {
            f.forEachSplit((feature, key) -> splits.add(new int[]{feature, key}));
        }
        SplittableRandom r = new SplittableRandom(17);
        int[] table = new int[index.slots];
        Arrays.fill(table, 0x5a5a5a5a); // a table is reused: whatever it held is overwritten
        for (int n = 1; n <= ThresholdIndex.MAX_ROWS; n++) {
            int[] rows = new int[n * width];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < width; j++) {
                    int[] s = splits.get(r.nextInt(splits.size()));
                    // a threshold's own key, one off it, or the key of another row
                    rows[i * width + j] = r.nextInt(4) == 0 && i > 0 ? rows[r.nextInt(i) * width + j]
                            : s[1] + r.nextInt(3) - 1;
                }
            }
            index.fill(rows, width, 0, n, table);
            assertEquals(n == 32 ? -1 : (1 << n) - 1, table[0], "slot 0 holds every row");
            for (int[] s : splits) {
                int want = 0;
                for (int i = 0; i < n; i++) {
                    want |= rows[i * width + s[0]] >= s[1] ? 1 << i : 0;
                }
                assertEquals(want, table[index.slot(s[0], s[1])], "feature " + s[0] + ", threshold key " + s[1]);
            }
        }
    }
}
