package io.accessplan.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread's reused {@link ThresholdIndex.Table} holds after every fill the sets its definition
 * gives (slot of threshold {@code (f, t)}: the rows whose key of {@code f} is at least {@code t}),
 * whatever the fills before it left: features whose rows all hold the key they held at the
 * previous fill are not refilled, so a sequence of fills that repeats, changes, and splits such
 * features, at equal and at changing row counts, must still give the definition's sets. And a
 * key's position among a feature's thresholds, found by bucket and window, is the count of those
 * at most the key, for keys on, next to, between and beyond the thresholds.
 */
class ThresholdTableTest {

    @Test
    void aReusedTableHoldsTheDefinitionsSetsAfterEveryFillOfASequence() throws IOException {
        FlatForest[] fs = ForestGroupTest.forests(ForestGroupTest.shipped());
        ThresholdIndex index = new ThresholdIndex(fs);
        int width = index.width;
        List<int[]> splits = new ArrayList<>();
        for (FlatForest f : fs) {
            f.forEachSplit((feature, key) -> splits.add(new int[]{feature, key}));
        }
        SplittableRandom r = new SplittableRandom(23);
        ThresholdIndex.Table table = new ThresholdIndex.Table(index);
        // the features' keys at the previous fill, so that the next can hold them again
        int[] last = new int[width];
        for (int j = 0; j < width; j++) {
            last[j] = splits.get(r.nextInt(splits.size()))[1];
        }
        int n = 20;
        for (int fill = 0; fill < 400; fill++) {
            if (r.nextInt(4) == 0) {
                n = 1 + r.nextInt(ThresholdIndex.MAX_ROWS);   // a new row count: every set changes
            }
            int[] rows = new int[n * width];
            for (int j = 0; j < width; j++) {
                int kind = r.nextInt(3);
                int uniform = kind == 0 ? last[j] : splits.get(r.nextInt(splits.size()))[1] + r.nextInt(3) - 1;
                for (int i = 0; i < n; i++) {
                    // 0: all rows at the previous key; 1: all at a new key; 2: rows that differ
                    rows[i * width + j] = kind < 2 ? uniform
                            : splits.get(r.nextInt(splits.size()))[1] + r.nextInt(3) - 1;
                }
                last[j] = rows[j];
            }
            index.fill(rows, width, 0, n, table);
            assertEquals(n == 32 ? -1 : (1 << n) - 1, table.sets[0], "slot 0 holds every row");
            for (int[] s : splits) {
                int want = 0;
                for (int i = 0; i < n; i++) {
                    want |= rows[i * width + s[0]] >= s[1] ? 1 << i : 0;
                }
                assertEquals(want, table.sets[index.slot(s[0], s[1])],
                        "fill " + fill + ", feature " + s[0] + ", threshold key " + s[1]);
            }
        }
    }

    @Test
    void aKeysPositionIsTheCountOfTheFeaturesThresholdsAtMostIt() throws IOException {
        FlatForest[] fs = ForestGroupTest.forests(ForestGroupTest.shipped());
        ThresholdIndex index = new ThresholdIndex(fs);
        List<TreeSet<Integer>> byFeature = new ArrayList<>();
        for (int f = 0; f < index.width; f++) {
            byFeature.add(new TreeSet<>());
        }
        for (FlatForest forest : fs) {
            forest.forEachSplit((feature, key) -> byFeature.get(feature).add(key));
        }
        SplittableRandom r = new SplittableRandom(31);
        float[] edges = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1e30f, -1f, -Float.MIN_VALUE, -0.0f, 0.0f,
                Float.MIN_VALUE, 1e-30f, 1f, 1e30f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};
        int checked = 0;
        for (int f = 0; f < index.width; f++) {
            TreeSet<Integer> t = byFeature.get(f);
            if (t.isEmpty()) {
                continue;
            }
            List<Integer> keys = new ArrayList<>();
            for (int k : t) {
                keys.add(k);
                keys.add(k - 1);
                keys.add(k + 1);
            }
            for (float e : edges) {
                keys.add(FlatForest.key(e));
            }
            float lo = value(t.first());
            float hi = value(t.last());
            for (int i = 0; i < 200; i++) {
                keys.add(FlatForest.key((float) (lo + (hi - lo) * (1.2 * r.nextDouble() - 0.1))));
            }
            for (int k : keys) {
                assertEquals(t.headSet(k, true).size(), index.position(f, k), "feature " + f + ", key " + k);
                checked++;
            }
        }
        assertTrue(checked > 15_000, "keys checked: " + checked);
    }

    /** The float of a threshold key (the inverse of {@link FlatForest#key}). */
    private static float value(int key) {
        return Float.intBitsToFloat(key >= 0 ? key : key ^ 0x7fffffff);
    }
}
