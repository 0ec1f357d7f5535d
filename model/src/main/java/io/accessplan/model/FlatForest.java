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
 */
public final class FlatForest implements FastRegressor {
    private final int[] roots;
    private final int[] feature;
    private final float[] threshold;
    /** Children of node {@code n} at {@code 2n} (left) and {@code 2n + 1} (right): one array, one cache line. */
    private final int[] children;
    private final boolean[] defaultLeft;
    private final double baseScore;

    private FlatForest(int[] roots, int[] feature, float[] threshold, int[] left, int[] right, boolean[] defaultLeft,
                       double baseScore) {
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
        return new FlatForest(roots, feature, threshold, left, right, defLeft, base);
    }

    private static Number num(Object o) {
        if (o instanceof Number n) {
            return n;
        }
        return Double.parseDouble(String.valueOf(o));
    }

    @Override
    public double predict(double[] x) {
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
        int m = xs.length;
        double[] sums = new double[m];
        final int[] f = feature;
        final float[] thr = threshold;
        final int[] ch = children;
        for (int r : roots) {
            for (int i = 0; i < m; i++) {
                double[] x = xs[i];
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
                sums[i] += thr[n];
            }
        }
        for (int i = 0; i < m; i++) {
            out[i] = (float) (baseScore + sums[i]);
        }
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
