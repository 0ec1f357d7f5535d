package io.accessplan.model;

import java.util.List;
import java.util.Map;

/**
 * An XGBoost tree ensemble flattened into primitive arrays, predicting without Tribuo or the
 * native library: the serving form of a boosted model.
 *
 * <p>It reads the booster's own JSON model (XGBoost "Introduction to Model IO": the
 * {@code learner.gradient_booster.model.trees} arrays {@code left_children},
 * {@code right_children}, {@code split_indices}, {@code split_conditions}, {@code default_left},
 * and {@code learner_model_param.base_score}), which stores every float exactly, unlike the text
 * dump. Prediction follows XGBoost's {@code RegTree::GetNext}: the feature value, as a float,
 * goes left when {@code value < split_condition}, a missing (NaN) value follows the default
 * direction; a leaf's {@code split_conditions} entry is its weight, learning rate included; the
 * output of {@code reg:squarederror} is {@code base_score} plus the sum of the leaves.
 *
 * <p>Tribuo hands XGBoost a CSR matrix whose column {@code j} is the feature of Tribuo id
 * {@code j} (ids ordered by feature name, not by the encoder's order) and keeps explicit zeros
 * as values (Tribuo {@code XGBoostTrainer.convertSingleExample}); so split indices are mapped to
 * encoder positions once, here, and a zero is an ordinary value.
 *
 * <p>All nodes of all trees live in one set of arrays; children are absolute indices. Immutable
 * and thread-safe.
 *
 * <p>Three traversals give the same values bit for bit: the linked walk ({@link #predictLinked},
 * XGBoost's own, and the one for rows holding a NaN), the complete-layout walk of one row at a
 * time ({@link #predictAll}), and the set walk of a {@link ForestGroup} ({@link #predictSets}),
 * which takes each tree once for all the rows of a lookup.
 */
public final class FlatForest implements FastRegressor {
    /**
     * Deepest tree served through the complete layout; deeper (or sparse) forests are served by
     * the linked traversal alone.
     */
    static final int MAX_COMPLETE_DEPTH = 12;

    /**
     * Threshold key of the padding splits of the complete layout: the least int, below the key of
     * every float (-infinity's included), so every value goes right.
     */
    static final int PADDING_KEY = Integer.MIN_VALUE;

    private final int[] roots;
    private final int[] feature;
    private final float[] threshold;
    /** Children of node {@code n} at {@code 2n} (left) and {@code 2n + 1} (right): one array, one cache line. */
    private final int[] children;
    private final boolean[] defaultLeft;
    private final double baseScore;

    /*
     * The same trees in complete (heap) layout, the serving path: tree t of depth d has 2^d - 1
     * split nodes from splitOffset[t] (node k's children at 2k + 1 and 2k + 2) and 2^d leaves from
     * leafOffset[t]. A leaf shallower than d is pushed down to depth d under splits whose two
     * subtrees are the same leaf, so every lookup in a tree takes exactly d steps, without a
     * data-dependent branch: each step is "k = 2k + 1 + (x >= threshold)", computed on the floats'
     * {@link #key}s with integer arithmetic. A value of NaN would
     * need the default direction, so vectors holding one take the linked traversal. Null when the
     * forest is too deep or too sparse for the complete layout to pay.
     */
    private final int[] depth;
    private final int[] splitOffset;
    private final int[] leafOffset;
    /**
     * Split node: the threshold's {@link #key} in the high 32 bits (an int comparison orders keys
     * as the floats), the feature index in the low 32 bits; one load a step.
     */
    private final long[] split;
    private final float[] leafValue;
    /** Features read: 1 + the largest feature index any split reads (0 for a forest of leaves). */
    private final int width;
    /**
     * The set walk's layout ({@link #predictSets}): every tree padded to the deepest one's depth
     * {@code setDepth} (a shallower tree's leaf under splits that send every row right, its value
     * at the rightmost leaf below it), so tree {@code t}'s splits start at {@code t (2^d - 1)} and
     * its leaves, {@code setLeaves}, at {@code t 2^d}. The leaves are {@link #leafValue} itself
     * when every tree has that depth already (XGBoost's {@code max_depth} with every tree grown
     * to it, as the bundled model's). Null when the forest has no complete layout or padding
     * would more than quadruple it.
     */
    private final float[] setLeaves;
    private final int setDepth;

    FlatForest(int[] roots, int[] feature, float[] threshold, int[] left, int[] right, boolean[] defaultLeft,
               double baseScore, boolean complete) {
        this.roots = roots;
        this.feature = feature;
        this.threshold = threshold;
        this.children = new int[2 * feature.length];
        for (int n = 0; n < feature.length; n++) {
            children[2 * n] = left[n];
            children[2 * n + 1] = right[n];
        }
        this.defaultLeft = defaultLeft;
        this.baseScore = baseScore;
        int w = 0;
        for (int f : feature) {
            w = Math.max(w, f + 1);
        }
        this.width = w;
        int t = roots.length;
        int[] d = new int[t];
        long splits = 0;
        for (int i = 0; i < t; i++) {
            d[i] = depthOf(roots[i], 0);
            splits += d[i] > MAX_COMPLETE_DEPTH ? Long.MAX_VALUE / 4 / Math.max(1, t) : (1L << d[i]) - 1;
        }
        // the complete layout visits d nodes per tree whatever its shape; it pays while padding at
        // most quadruples the nodes (a boosted tree of depth 6 is typically near complete)
        if (complete && splits <= 4L * feature.length + 64 && splits < Integer.MAX_VALUE / 2) {
            this.depth = d;
            this.splitOffset = new int[t];
            this.leafOffset = new int[t];
            int so = 0;
            int lo = 0;
            for (int i = 0; i < t; i++) {
                splitOffset[i] = so;
                leafOffset[i] = lo;
                so += (1 << d[i]) - 1;
                lo += 1 << d[i];
            }
            this.split = new long[so];
            this.leafValue = new float[lo];
            for (int i = 0; i < t; i++) {
                place(roots[i], 0, 0, d[i], splitOffset[i], leafOffset[i]);
            }
            int deepest = 0;
            for (int di : d) {
                deepest = Math.max(deepest, di);
            }
            this.setDepth = deepest;
            this.setLeaves = t >= 1 && t < (1 << 15) && ((long) t << deepest) <= 4L * feature.length + 64
                    ? padded(deepest) : null;
        } else {
            this.setDepth = 0;
            this.setLeaves = null;
            this.depth = null;
            this.splitOffset = null;
            this.leafOffset = null;
            this.split = null;
            this.leafValue = null;
        }
    }

    private int depthOf(int n, int level) {
        if (feature[n] < 0) {
            return level;
        }
        if (level > MAX_COMPLETE_DEPTH) {
            return level; // deep enough to rule the complete layout out; no need to look further
        }
        return Math.max(depthOf(children[2 * n], level + 1), depthOf(children[2 * n + 1], level + 1));
    }

    /** Writes linked node {@code n} at heap position {@code k} (level {@code level}) of a tree of depth {@code d}. */
    private void place(int n, int k, int level, int d, int so, int lo) {
        if (level == d) {
            leafValue[lo + k - ((1 << d) - 1)] = threshold[n];
            return;
        }
        if (feature[n] < 0) {
            // a shallow leaf: a split whose two sides are this same leaf; its threshold, the least
            // key, sends every value right, so a set of rows ({@link #predictSets}) stays whole
            split[so + k] = (long) PADDING_KEY << 32;
            place(n, 2 * k + 1, level + 1, d, so, lo);
            place(n, 2 * k + 2, level + 1, d, so, lo);
        } else {
            split[so + k] = ((long) key(threshold[n]) << 32) | feature[n];
            place(children[2 * n], 2 * k + 1, level + 1, d, so, lo);
            place(children[2 * n + 1], 2 * k + 2, level + 1, d, so, lo);
        }
    }

    /** The leaves of every tree padded to depth {@code deep} (see {@link #setLeaves}). */
    private float[] padded(int deep) {
        boolean uniform = true;
        for (int di : depth) {
            uniform &= di == deep;
        }
        if (uniform) {
            return leafValue;
        }
        float[] out = new float[depth.length << deep];
        for (int t = 0; t < depth.length; t++) {
            int d = depth[t];
            for (int k = (1 << d) - 1; k < (1 << (d + 1)) - 1; k++) {
                int kd = k;
                for (int level = d; level < deep; level++) {
                    kd = 2 * kd + 2;
                }
                out[(t << deep) + kd - ((1 << deep) - 1)] = leafValue[leafOffset[t] + k - ((1 << d) - 1)];
            }
        }
        return out;
    }

    /**
     * Builds the forest from a booster's JSON model.
     *
     * @param boosterJson    the booster saved as JSON ({@code Booster.toByteArray("json")})
     * @param columnToFeature encoder position of each XGBoost column (Tribuo feature id)
     */
    @SuppressWarnings("unchecked")
    static FlatForest fromBoosterJson(String boosterJson, int[] columnToFeature) {
        Map<String, Object> root = (Map<String, Object>) Json.parse(boosterJson);
        Map<String, Object> learner = (Map<String, Object>) root.get("learner");
        Map<String, Object> param = (Map<String, Object>) learner.get("learner_model_param");
        double base = Float.parseFloat(String.valueOf(param.get("base_score")));
        Map<String, Object> gb = (Map<String, Object>) learner.get("gradient_booster");
        if (!"gbtree".equals(gb.get("name"))) {
            throw new IllegalArgumentException("Unsupported booster: " + gb.get("name") + " (expected gbtree)");
        }
        List<Map<String, Object>> trees = (List<Map<String, Object>>) ((Map<String, Object>) gb.get("model")).get("trees");
        int total = 0;
        for (Map<String, Object> t : trees) {
            total += ((List<Object>) t.get("left_children")).size();
        }
        int[] roots = new int[trees.size()];
        int[] feature = new int[total];
        float[] threshold = new float[total];
        int[] left = new int[total];
        int[] right = new int[total];
        boolean[] defLeft = new boolean[total];
        int off = 0;
        for (int ti = 0; ti < trees.size(); ti++) {
            Map<String, Object> t = trees.get(ti);
            List<Object> lc = (List<Object>) t.get("left_children");
            List<Object> rc = (List<Object>) t.get("right_children");
            List<Object> si = (List<Object>) t.get("split_indices");
            List<Object> sc = (List<Object>) t.get("split_conditions");
            List<Object> dl = (List<Object>) t.get("default_left");
            roots[ti] = off;
            for (int n = 0; n < lc.size(); n++) {
                int l = num(lc.get(n)).intValue();
                int g = off + n;
                threshold[g] = num(sc.get(n)).floatValue();
                if (l < 0) {
                    feature[g] = -1;
                } else {
                    int col = num(si.get(n)).intValue();
                    if (col < 0 || col >= columnToFeature.length || columnToFeature[col] < 0) {
                        throw new IllegalArgumentException("Booster splits on unknown column " + col);
                    }
                    feature[g] = columnToFeature[col];
                    left[g] = off + l;
                    right[g] = off + num(rc.get(n)).intValue();
                    Object d = dl.get(n);
                    defLeft[g] = d instanceof Boolean b ? b : num(d).intValue() != 0;
                }
            }
            off += lc.size();
        }
        return new FlatForest(roots, feature, threshold, left, right, defLeft, base, true);
    }

    private static Number num(Object o) {
        if (o instanceof Number n) {
            return n;
        }
        return Double.parseDouble(String.valueOf(o));
    }

    @Override
    public double predict(double[] x) {
        int[] xf = complete() ? keys(new double[][]{x}, width) : null;
        if (xf != null) {
            double[] out = new double[1];
            predictComplete(xf, width, 0, 1, out);
            return out[0];
        }
        return predictLinked(x);
    }

    /** The linked traversal of every tree (XGBoost's own walk, NaN to the default side). */
    double predictLinked(double[] x) {
        double sum = 0;
        final int[] f = feature;
        final float[] thr = threshold;
        final int[] ch = children;
        for (int r : roots) {
            int n = r;
            int fi;
            while ((fi = f[n]) >= 0) {
                float v = (float) x[fi];
                if (v != v) {
                    n = ch[2 * n + (defaultLeft[n] ? 0 : 1)];
                } else {
                    n = ch[2 * n + (v < thr[n] ? 0 : 1)];
                }
            }
            sum += thr[n];
        }
        return (float) (baseScore + sum);
    }

    /**
     * Tree-major batch prediction: every vector goes down one tree before the next tree, so a
     * tree's nodes stay in cache across the ~40 strategies of a lookup. Each vector's sum adds the
     * trees in the same order as {@link #predict}, so the results are bit for bit the same.
     */
    @Override
    public void predictAll(double[][] xs, double[] out) {
        int[] rows = complete() ? keys(xs, width) : null;
        predictAll(xs, rows, width, out);
    }

    /**
     * {@link #predictAll(double[][], double[])} given the vectors' {@link #keys} (null when a
     * vector holds a NaN or the forest has no complete layout) laid out {@code stride} apart,
     * {@code stride >= } {@link #width()}: two forests over the same vectors share one conversion.
     */
    void predictAll(double[][] xs, int[] rows, int stride, double[] out) {
        int m = xs.length;
        if (rows == null || !complete()) {
            for (int i = 0; i < m; i++) {
                out[i] = predict(xs[i]);
            }
            return;
        }
        predictComplete(rows, stride, 0, m, out);
    }

    /** Calls {@code action} with the feature and threshold key of every split of the complete layout (not its padding). */
    void forEachSplit(java.util.function.BiConsumer<Integer, Integer> action) {
        for (long n : split) {
            int key = (int) (n >> 32);
            if (key != PADDING_KEY) {
                action.accept((int) n, key);
            }
        }
    }

    /**
     * The slot in {@code index} of each split of the set walk's layout ({@link #setLeaves}), tree
     * by tree, padding splits at slot 0 (every row).
     */
    char[] slots(ThresholdIndex index) {
        int stride = 2 << setDepth;   // a tree's heap positions, its leaves' included (predictSets)
        char[] out = new char[depth.length * stride];
        for (int t = 0; t < depth.length; t++) {
            // the tree's own splits; below its depth, padding (slot 0: every row right)
            for (int k = 0; k < (1 << depth[t]) - 1; k++) {
                long n = split[splitOffset[t] + k];
                int key = (int) (n >> 32);
                out[t * stride + k] = (char) (key == PADDING_KEY ? 0 : index.slot((int) n, key));
            }
        }
        return out;
    }

    /**
     * The complete-layout walk of a set of rows, given the row sets of a {@link ThresholdIndex}
     * table: each tree is walked once with the set of rows that reach each node (a bit per row),
     * a split dividing its set by one load from the table, a child no row reaches left out.
     * {@link #SET_GROUP} trees go down level by level together, so the nodes of a level are
     * independent of one another (the processor overlaps them) and no branch depends on the rows.
     * At the leaves every row of a set adds the leaf's value, the trees in their order, each row
     * one leaf a tree, as in {@link #predictLinked}: the sums are bit for bit the same. Writes
     * rows {@code 0..n-1} of the table to {@code out[from..from+n-1]}. Only for a forest with a
     * set layout ({@link #setWalkable}).
     *
     * @param slots this forest's {@link #slots} in the table's index
     * @param scratch the thread's table, whose frontier and sums buffers the walk uses
     */
    void predictSets(char[] slots, ThresholdIndex.Table scratch, int n, double[] out, int from) {
        final int[] table = scratch.sets;
        final float[] lv = setLeaves;
        final int d = setDepth;
        final int splits = (1 << d) - 1;
        final int trees = depth.length;
        final int all = (int) ((1L << n) - 1);
        double[] sums = scratch.sums;
        java.util.Arrays.fill(sums, 0, n, 0.0);
        // an entry: tree << (d + 1) | heap position, which is also the split's index in slots (a
        // tree's 2^(d+1) positions, leaves included, so a child is one add away and a split's slot
        // one load), and its rows; a group's frontier holds at most one entry per row per tree,
        // and one write past its end
        final int shift = d + 1;
        final int mask = (1 << shift) - 1;
        int[] node = scratch.node;
        int[] rows = scratch.rows;
        int[] node2 = scratch.node2;
        int[] rows2 = scratch.rows2;
        for (int t0 = 0; t0 < trees; t0 += SET_GROUP) {
            int count = Math.min(trees, t0 + SET_GROUP) - t0;
            for (int e = 0; e < count; e++) {
                node[e] = (t0 + e) << shift;
                rows[e] = all;
            }
            for (int level = 0; level < d; level++) {
                int m = 0;
                for (int e = 0; e < count; e++) {
                    int x = node[e];
                    int k = x & mask;
                    int set = rows[e];
                    int right = set & table[slots[x]];
                    int left = set & ~right;
                    // children 2k + 1 and 2k + 2 of the same tree
                    node2[m] = x + k + 1;
                    rows2[m] = left;
                    m += (left | -left) >>> 31;
                    node2[m] = x + k + 2;
                    rows2[m] = right;
                    m += (right | -right) >>> 31;
                }
                int[] ni = node;
                node = node2;
                node2 = ni;
                int[] ri = rows;
                rows = rows2;
                rows2 = ri;
                count = m;
            }
            for (int e = 0; e < count; e++) {
                int x = node[e];
                double v = lv[((x >>> shift) << d) + (x & mask) - splits];
                int set = rows[e];
                do {
                    sums[Integer.numberOfTrailingZeros(set)] += v;
                    set &= set - 1;
                } while (set != 0);
            }
        }
        for (int i = 0; i < n; i++) {
            out[from + i] = (float) (baseScore + sums[i]);
        }
    }

    /** Whether {@link #predictSets} can serve this forest (it has a set layout, {@link #setLeaves}). */
    boolean setWalkable() {
        return setLeaves != null;
    }

    /** Trees walked together by {@link #predictSets}: enough independent nodes a level to overlap. */
    static final int SET_GROUP = 8;

    /**
     * The first {@code width} features of each vector as float {@link #key}s, one row of
     * {@code width} after another; null when one of them is NaN as a float.
     */
    static int[] keys(double[][] xs, int width) {
        return keys(xs, width, new int[xs.length * width]);
    }

    /** {@link #keys(double[][], int)} into {@code rows} (at least {@code xs.length * width} long; returned, or null). */
    static int[] keys(double[][] xs, int width, int[] rows) {
        int m = xs.length;
        boolean nan = false;
        for (int i = 0; i < m; i++) {
            double[] x = xs[i];
            int base = i * width;
            for (int j = 0; j < width; j++) {
                float v = (float) x[j];
                nan |= v != v;
                rows[base + j] = key(v);
            }
        }
        return nan ? null : rows;
    }

    /** Depth of the deepest tree (0 for a forest of leaves). */
    public int maxDepth() {
        int d = 0;
        for (int r : roots) {
            d = Math.max(d, depthOf(r, 0));
        }
        return d;
    }

    /** 1 + the largest feature index a split reads. */
    int width() {
        return width;
    }

    /**
     * The complete-layout walk over the {@code m} NaN-free rows of feature {@link #key}s from row
     * {@code from}, {@code stride} apart, into {@code out[from..from+m-1]}: row by row, each row
     * down eight trees at a time ({@link #sumOneRow}). Walking four or eight rows down one tree
     * together, as this did before, was no faster (thread CPU time over {@code PredictorBenchmark}'s
     * workloads, 39.4 us a lookup either way, bundled model of 2026-12-01). The trees add up in
     * their order, as in {@link #predictLinked}.
     */
    void predictComplete(int[] rows, int stride, int from, int m, double[] out) {
        for (int i = 0; i < m; i++) {
            out[from + i] = (float) (baseScore + sumOneRow(rows, (from + i) * stride));
        }
    }

    /**
     * The sum of one row's leaves over every tree, added in tree order (as {@link #predictLinked}),
     * the row's keys from {@code rows[b]}: eight trees of one depth go down together, eight
     * independent chains of loads in flight where a row alone would wait on each step's load.
     */
    private double sumOneRow(int[] rows, int b) {
        final long[] sp = split;
        final float[] lv = leafValue;
        final int[] dp = depth;
        final int trees = dp.length;
        final int[] so = splitOffset;
        final int[] lo = leafOffset;
        double sum = 0;
        int t = 0;
        for (; t + 8 <= trees; t += 8) {
            final int d = dp[t];
            if (dp[t + 1] != d || dp[t + 2] != d || dp[t + 3] != d || dp[t + 4] != d || dp[t + 5] != d
                    || dp[t + 6] != d || dp[t + 7] != d) {
                for (int u = t; u < t + 8; u++) {
                    sum += leafOne(rows, b, u);
                }
                continue;
            }
            final int s0 = so[t];
            final int s1 = so[t + 1];
            final int s2 = so[t + 2];
            final int s3 = so[t + 3];
            final int s4 = so[t + 4];
            final int s5 = so[t + 5];
            final int s6 = so[t + 6];
            final int s7 = so[t + 7];
            int k0 = 0;
            int k1 = 0;
            int k2 = 0;
            int k3 = 0;
            int k4 = 0;
            int k5 = 0;
            int k6 = 0;
            int k7 = 0;
            for (int level = 0; level < d; level++) {
                long n0 = sp[s0 + k0];
                long n1 = sp[s1 + k1];
                long n2 = sp[s2 + k2];
                long n3 = sp[s3 + k3];
                long n4 = sp[s4 + k4];
                long n5 = sp[s5 + k5];
                long n6 = sp[s6 + k6];
                long n7 = sp[s7 + k7];
                k0 = step(k0, rows[b + (int) n0], n0);
                k1 = step(k1, rows[b + (int) n1], n1);
                k2 = step(k2, rows[b + (int) n2], n2);
                k3 = step(k3, rows[b + (int) n3], n3);
                k4 = step(k4, rows[b + (int) n4], n4);
                k5 = step(k5, rows[b + (int) n5], n5);
                k6 = step(k6, rows[b + (int) n6], n6);
                k7 = step(k7, rows[b + (int) n7], n7);
            }
            final int inner = (1 << d) - 1;
            sum += lv[lo[t] - inner + k0];
            sum += lv[lo[t + 1] - inner + k1];
            sum += lv[lo[t + 2] - inner + k2];
            sum += lv[lo[t + 3] - inner + k3];
            sum += lv[lo[t + 4] - inner + k4];
            sum += lv[lo[t + 5] - inner + k5];
            sum += lv[lo[t + 6] - inner + k6];
            sum += lv[lo[t + 7] - inner + k7];
        }
        for (; t < trees; t++) {
            sum += leafOne(rows, b, t);
        }
        return sum;
    }

    /** The leaf value one row's keys (from {@code rows[b]}) reach in tree {@code t}, walked alone. */
    private float leafOne(int[] rows, int b, int t) {
        final int d = depth[t];
        final int so = splitOffset[t];
        int k = 0;
        for (int level = 0; level < d; level++) {
            long n = split[so + k];
            k = step(k, rows[b + (int) n], n);
        }
        return leafValue[leafOffset[t] - ((1 << d) - 1) + k];
    }

    /**
     * One step down from heap position {@code k}: left ({@code 2k + 1}) when the value's key is
     * below the split's threshold key, else right ({@code 2k + 2}); the sign bit of the difference
     * decides, without a branch.
     */
    private static int step(int k, int valueKey, long split) {
        return 2 * k + 2 - (int) (((long) valueKey - (split >> 32)) >>> 63);
    }

    /**
     * An int that orders as the float does, for floats that are not NaN: the bits of a positive
     * float order as the float; a negative float's magnitude bits are flipped so that they order
     * downwards. -0.0 becomes +0.0 first (the two compare equal as floats).
     */
    static int key(float v) {
        int b = Float.floatToRawIntBits(v + 0.0f);
        return b ^ ((b >> 31) & 0x7fffffff);
    }

    /** The same forest served through the linked traversal alone (the reference the tests compare with). */
    FlatForest linkedOnly() {
        int n = feature.length;
        int[] left = new int[n];
        int[] right = new int[n];
        for (int i = 0; i < n; i++) {
            left[i] = children[2 * i];
            right[i] = children[2 * i + 1];
        }
        return new FlatForest(roots, feature, threshold, left, right, defaultLeft, baseScore, false);
    }

    /** Whether the forest is served through the complete layout (otherwise through the linked one). */
    boolean complete() {
        return depth != null;
    }

    /** Number of trees. */
    public int trees() {
        return roots.length;
    }

    /** Number of nodes over all trees. */
    public int nodes() {
        return feature.length;
    }
}
