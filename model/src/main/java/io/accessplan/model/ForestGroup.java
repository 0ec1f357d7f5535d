package io.accessplan.model;

/**
 * Regressors that predict the same rows together, as the step-time, peak-memory and
 * within-workload forests of a lookup do: the rows are converted to float keys once and, for
 * batches of at least {@link #MIN_SET_ROWS} rows, their {@link ThresholdIndex} table is filled
 * once and every flat forest walks each tree once for the whole batch
 * ({@link FlatForest#predictSets}). Each value equals, bit for bit, what the regressor predicts
 * for the row alone. Immutable and thread-safe.
 */
public final class ForestGroup {
    /**
     * Fewest rows walked as sets: below it a table fill (its size: {@link ThresholdIndex#MAX_ROWS})
     * costs more than it saves, and the rows are walked one by one ({@link FlatForest#predictAll}).
     * Measured by thread CPU time on the bundled model: the sets win from ~15 rows on, a lookup's
     * candidates (8 to 40) are mostly above. Measured again with a thread's table keeping the
     * workload's features between fills ({@link ThresholdIndex.Table}): 4 and 8 rows were no faster
     * on lookups with a layer search. And again with 50 within-workload trees (wall time over
     * {@code PredictorBenchmark}'s workloads): 8 made 8- and 10-row lookups slower (19.7 -> 22.2
     * us), 24 made 16- and 20-row ones slower. And again with the model of 25 peak trees of depth
     * 8 (75 trees a row, against 150, so a fill weighs more against the walks it saves): 24 is the
     * fastest of 16, 20, 24 and 28 (thread CPU time over {@code PredictorBenchmark}'s workloads, mean
     * 41.4 -> 40.2 us). The layer search's probes walk row by row whatever their number
     * ({@link #predictAll(double[][], double[][], boolean)}).
     */
    static final int MIN_SET_ROWS = 24;

    private final FastRegressor[] regressors;
    /** Index over the flat forests walked as sets ({@link FlatForest#setWalkable}); null when there is none. */
    private final ThresholdIndex index;
    /** Per regressor, its slots in {@link #index}; null for one not walked as sets. */
    private final char[][] slots;
    /**
     * Each thread's table for {@link #index} (its size: {@link ThresholdIndex#MAX_ROWS}): reusing it saves
     * zeroing a fresh one each time, and refilling the features whose rows all hold the key they
     * held at the previous fill ({@link ThresholdIndex.Table}); per thread, so the group stays
     * thread-safe.
     */
    private final ThreadLocal<ThresholdIndex.Table> tables;
    /** Keys converted per row: the widest complete forest's width. */
    private final int width;

    private ForestGroup(FastRegressor[] regressors) {
        this.regressors = regressors.clone();
        java.util.List<FlatForest> complete = new java.util.ArrayList<>();
        int w = 0;
        for (FastRegressor r : regressors) {
            if (r == null) {
                throw new IllegalArgumentException("Invalid regressor: null");
            }
            if (r instanceof FlatForest f && f.complete()) {
                w = Math.max(w, f.width());
                if (f.setWalkable()) {
                    complete.add(f);
                }
            }
        }
        this.width = w;
        ThresholdIndex ix = complete.isEmpty() ? null : new ThresholdIndex(complete.toArray(new FlatForest[0]));
        // beyond a char's slots the forests are walked row by row
        this.index = ix != null && ix.slots <= ThresholdIndex.MAX_SLOTS ? ix : null;
        this.tables = index == null ? null : ThreadLocal.withInitial(() -> new ThresholdIndex.Table(index));
        this.slots = new char[regressors.length][];
        for (int k = 0; k < regressors.length; k++) {
            if (index != null && regressors[k] instanceof FlatForest f && f.complete() && f.setWalkable()) {
                slots[k] = f.slots(index);
            }
        }
    }

    /**
     * Each thread's buffer for a call's row keys, grown to the largest call: the keys live only
     * while {@link #predictAll} runs (nothing it calls predicts through any group, which all share
     * this buffer), and a
     * lookup converts its rows three times or more (candidates, probes, found counts).
     */
    private static final ThreadLocal<int[][]> KEYS = ThreadLocal.withInitial(() -> new int[1][0]);

    private static int[] scratch(int length) {
        int[][] holder = KEYS.get();
        if (holder[0].length < length) {
            holder[0] = new int[Math.max(length, 2 * holder[0].length)];
        }
        return holder[0];
    }

    /** Groups regressors that will predict the same rows. */
    public static ForestGroup of(FastRegressor... regressors) {
        return new ForestGroup(regressors);
    }

    /** Number of regressors. */
    public int size() {
        return regressors.length;
    }

    /**
     * The regressors' values for the same rows: {@code out[k][i]} equals, bit for bit,
     * {@code regressor k}'s {@code predict(xs[i])}; a null {@code out[k]} leaves regressor
     * {@code k} out (a lookup that does not need it does not pay for it).
     */
    public void predictAll(double[][] xs, double[][] out) {
        predictAll(xs, out, true);
    }

    /**
     * {@link #predictAll(double[][], double[][])}, walking the rows one by one whatever their
     * number where {@code sets} is false: the layer search's probes, whose rows (one or two a
     * partial-policy group, each at another layer count) share few paths, and whose table would be
     * filled anew for every round (its row count changes, so it keeps nothing from the candidates'
     * fill). Measured on the bundled model over {@code PredictorBenchmark}'s workloads (wall time,
     * load ~1.4): a searched 40-row lookup 133 -> 126 us with the probes row by row.
     */
    public void predictAll(double[][] xs, double[][] out, boolean sets) {
        if (out.length != regressors.length) {
            throw new IllegalArgumentException("Invalid outputs: " + out.length + " arrays for " + regressors.length
                    + " regressors");
        }
        int m = xs.length;
        int[] keys = width == 0 || m == 0 ? null : FlatForest.keys(xs, width, scratch(m * width));
        sets &= keys != null && index != null && m >= MIN_SET_ROWS;
        for (int k = 0; k < regressors.length; k++) {
            if (out[k] == null || (sets && slots[k] != null)) {
                continue;
            }
            if (keys != null && regressors[k] instanceof FlatForest f && f.complete()) {
                f.predictAll(xs, keys, width, out[k]);
            } else {
                regressors[k].predictAll(xs, out[k]);
            }
        }
        if (!sets) {
            return;
        }
        ThresholdIndex.Table table = tables.get();
        // batches of MAX_ROWS rows as sets; a remainder below MIN_SET_ROWS is walked row by row
        // (40 rows: 32 as sets and 8 alone, 5 us faster a lookup than two fills for 20 + 20,
        // measured on the bundled model)
        for (int from = 0; from < m; from += ThresholdIndex.MAX_ROWS) {
            int n = Math.min(ThresholdIndex.MAX_ROWS, m - from);
            if (n < MIN_SET_ROWS) {
                for (int k = 0; k < regressors.length; k++) {
                    if (out[k] != null && slots[k] != null) {
                        ((FlatForest) regressors[k]).predictComplete(keys, width, from, n, out[k]);
                    }
                }
                break;
            }
            index.fill(keys, width, from, n, table);
            for (int k = 0; k < regressors.length; k++) {
                if (out[k] != null && slots[k] != null) {
                    ((FlatForest) regressors[k]).predictSets(slots[k], table, n, out[k], from);
                }
            }
        }
    }
}
