package io.accessplan.model;

import java.util.Arrays;

/**
 * Every distinct split threshold of a group of forests, feature by feature, each given a slot of a
 * table of row sets: for a batch of up to 32 rows, {@link #fill} writes in slot {@code s} of
 * threshold {@code (f, t)} the set of rows (a bit per row) whose key of feature {@code f} is at
 * least {@code t}, the rows a split on it sends right. A split then divides the rows that reach it
 * with one load and one AND, whatever its feature: this is what lets {@link FlatForest} walk a
 * tree once for all the candidates of a lookup. They share most features and reach ~3 distinct
 * leaves of a tree of 64, so a tree costs ~10 node visits for all ~26 rows instead of 6 a row.
 *
 * <p>Filling costs one binary search per row and feature (one per feature where every row holds
 * the same key, as the workload's own features do, and none where a thread's table already holds
 * that key from its previous fill: {@link Table}) and a few vectorised fills of runs of slots; the forests of a
 * lookup (step time, peak memory, within-workload) share one index and so one fill. This is the
 * row-set view of the threshold-sorted feature lists of QuickScorer (Lucchese et al., "QuickScorer:
 * a fast algorithm to rank documents with additive ensembles of regression trees", SIGIR 2015),
 * turned around: QuickScorer's bit vectors range over a tree's leaves for one row, these over the
 * rows for one node.
 *
 * <p>Slot 0 holds every row: the padding splits of the complete layout (their two subtrees are
 * the same leaf) point there and keep a set whole. Immutable and thread-safe; the tables are the
 * caller's.
 */
final class ThresholdIndex {
    /**
     * Most rows one table holds: the bits of an int. Ints rather than longs halve the table (the
     * bundled model's 6,453 slots take 26 KB, about half a core's L1 cache here), and a split's
     * load from it is the walk's one random access.
     */
    static final int MAX_ROWS = 32;
    /** Most slots: a forest's {@link FlatForest#slots} are chars. */
    static final int MAX_SLOTS = Character.MAX_VALUE + 1;

    /** Features read: 1 + the largest feature index a split of the forests reads. */
    final int width;
    /** The distinct threshold keys of feature {@code f}, ascending, at {@code [start[f], start[f] + count[f])}. */
    private final int[] thresholds;
    private final int[] start;
    private final int[] count;
    /** Slot of feature {@code f}'s first threshold. */
    private final int[] slotBase;
    /** Slots of a table. */
    final int slots;
    /** The most thresholds a feature has. */
    private final int maxCount;

    /** Indexes the thresholds of the complete layouts of {@code forests} (each must have one). */
    ThresholdIndex(FlatForest... forests) {
        int w = 0;
        for (FlatForest f : forests) {
            w = Math.max(w, f.width());
        }
        this.width = w;
        int[][] byFeature = new int[w][];
        int[] n = new int[w];
        for (int f = 0; f < w; f++) {
            byFeature[f] = new int[8];
        }
        for (FlatForest forest : forests) {
            forest.forEachSplit((feature, key) -> {
                if (n[feature] == byFeature[feature].length) {
                    byFeature[feature] = Arrays.copyOf(byFeature[feature], 2 * n[feature]);
                }
                byFeature[feature][n[feature]++] = key;
            });
        }
        this.start = new int[w];
        this.count = new int[w];
        this.slotBase = new int[w];
        int total = 0;
        for (int f = 0; f < w; f++) {
            int[] t = Arrays.copyOf(byFeature[f], n[f]);
            Arrays.sort(t);
            byFeature[f] = Arrays.stream(t).distinct().toArray();
            total += byFeature[f].length;
        }
        this.thresholds = new int[total];
        int at = 0;
        int slot = 1;
        for (int f = 0; f < w; f++) {
            start[f] = at;
            count[f] = byFeature[f].length;
            System.arraycopy(byFeature[f], 0, thresholds, at, count[f]);
            at += count[f];
            slotBase[f] = slot;
            slot += count[f];
        }
        this.slots = slot;
        this.maxCount = Arrays.stream(count).max().orElse(0);
    }

    /** The slot of the split "feature {@code f}'s key &gt;= {@code key} goes right" (a threshold of the forests). */
    int slot(int f, int key) {
        int i = Arrays.binarySearch(thresholds, start[f], start[f] + count[f], key);
        if (i < 0) {
            throw new IllegalArgumentException("Threshold key " + key + " of feature " + f + " is not indexed");
        }
        return slotBase[f] + i - start[f];
    }

    /**
     * A thread's table and what its fills left in it: a reused table whose feature every row held
     * at one key, at the same row count, needs no refill for a next batch with that key again
     * (the workload's own features across a lookup's batches and its layer-search probes).
     */
    static final class Table {
        /** The row sets, {@link #slots} long. */
        final int[] sets;
        /** Per feature: whether the last fill found every row at {@link #uniformKey}. */
        private final boolean[] uniform;
        private final int[] uniformKey;
        /** The all-rows set of the last fill (0 before the first). */
        private int all;
        /** Scratch, zero between features: the rows at each position, and each row's position. */
        private final int[] at;
        private final int[] pos = new int[MAX_ROWS];

        Table(ThresholdIndex index) {
            this.sets = new int[index.slots];
            this.uniform = new boolean[index.width];
            this.uniformKey = new int[index.width];
            this.at = new int[index.maxCount + 1];
        }
    }

    /**
     * Writes into {@code table} (at least {@link #slots} long, any contents) the row sets of
     * {@code n} rows of keys, row {@code i} at {@code rows[(from + i) * stride]}, {@code 1 <= n <=}
     * {@link #MAX_ROWS}.
     */
    void fill(int[] rows, int stride, int from, int n, int[] table) {
        fill(rows, stride, from, n, table, null, new int[maxCount + 1], new int[MAX_ROWS]);
    }

    /**
     * {@link #fill(int[], int, int, int, int[])} into a thread's {@link Table}, leaving the slots
     * of a feature as they are where the previous fill of this table had the same rows count and
     * every row at the same key as now: the table then holds the same sets.
     */
    void fill(int[] rows, int stride, int from, int n, Table table) {
        fill(rows, stride, from, n, table.sets, table, table.at, table.pos);
    }

    private void fill(int[] rows, int stride, int from, int n, int[] table, Table memo, int[] at, int[] pos) {
        final int all = (int) ((1L << n) - 1);
        table[0] = all;
        boolean reuse = memo != null && memo.all == all;
        if (memo != null) {
            memo.all = all;
        }
        final int[] thr = thresholds;
        for (int f = 0; f < width; f++) {
            final int c = count[f];
            if (c == 0) {
                continue;
            }
            final int s0 = start[f];
            final int base = slotBase[f];
            final int first = rows[from * stride + f];
            boolean same = true;
            for (int i = 1; i < n; i++) {
                same &= rows[(from + i) * stride + f] == first;
            }
            if (same) {
                if (reuse && memo.uniform[f] && memo.uniformKey[f] == first) {
                    continue;
                }
                // every row is at least the thresholds up to its key's
                int p = below(thr, s0, c, first);
                Arrays.fill(table, base, base + p, all);
                Arrays.fill(table, base + p, base + c, 0);
                if (memo != null) {
                    memo.uniform[f] = true;
                    memo.uniformKey[f] = first;
                }
                continue;
            }
            if (memo != null) {
                memo.uniform[f] = false;
            }
            // row i is at least the first p thresholds (its position): it is in the sets of slots
            // base .. base + p - 1
            int i = 0;
            // eight searches in lockstep (the same array, so the same steps): eight chains of
            // dependent loads in flight, the latency of one search step paid once for all eight
            for (; i + 8 <= n; i += 8) {
                int r = (from + i) * stride + f;
                int k0 = rows[r];
                int k1 = rows[r + stride];
                int k2 = rows[r + 2 * stride];
                int k3 = rows[r + 3 * stride];
                int k4 = rows[r + 4 * stride];
                int k5 = rows[r + 5 * stride];
                int k6 = rows[r + 6 * stride];
                int k7 = rows[r + 7 * stride];
                int b0 = s0;
                int b1 = s0;
                int b2 = s0;
                int b3 = s0;
                int b4 = s0;
                int b5 = s0;
                int b6 = s0;
                int b7 = s0;
                for (int len = c; len > 1; ) {
                    int half = len >>> 1;
                    b0 += half & atMost(thr[b0 + half], k0);
                    b1 += half & atMost(thr[b1 + half], k1);
                    b2 += half & atMost(thr[b2 + half], k2);
                    b3 += half & atMost(thr[b3 + half], k3);
                    b4 += half & atMost(thr[b4 + half], k4);
                    b5 += half & atMost(thr[b5 + half], k5);
                    b6 += half & atMost(thr[b6 + half], k6);
                    b7 += half & atMost(thr[b7 + half], k7);
                    len -= half;
                }
                mark(at, pos, b0 - s0 + (atMost(thr[b0], k0) & 1), i);
                mark(at, pos, b1 - s0 + (atMost(thr[b1], k1) & 1), i + 1);
                mark(at, pos, b2 - s0 + (atMost(thr[b2], k2) & 1), i + 2);
                mark(at, pos, b3 - s0 + (atMost(thr[b3], k3) & 1), i + 3);
                mark(at, pos, b4 - s0 + (atMost(thr[b4], k4) & 1), i + 4);
                mark(at, pos, b5 - s0 + (atMost(thr[b5], k5) & 1), i + 5);
                mark(at, pos, b6 - s0 + (atMost(thr[b6], k6) & 1), i + 6);
                mark(at, pos, b7 - s0 + (atMost(thr[b7], k7) & 1), i + 7);
            }
            for (; i < n; i++) {
                mark(at, pos, below(thr, s0, c, rows[(from + i) * stride + f]), i);
            }
            // from the highest position down, a slot holds the rows at its position and above: the
            // running union in a register (a pass that writes each slot once and reads none of
            // them: cheaper than a fill per run of equal slots, measured)
            int set = 0;
            for (int p = c; p > 0; p--) {
                set |= at[p];
                table[base + p - 1] = set;
            }
            for (int r = 0; r < n; r++) {
                at[pos[r]] = 0;
            }
        }
    }

    /** Notes row {@code i} at position {@code p}. */
    private static void mark(int[] at, int[] pos, int p, int i) {
        at[p] |= 1 << i;
        pos[i] = p;
    }

    /**
     * How many of the {@code c >= 1} ascending keys at {@code thr[s0..]} are at most {@code key}:
     * a binary search whose steps depend only on {@code c}, each a sign mask instead of a branch
     * (a branch would be mispredicted half the time).
     */
    private static int below(int[] thr, int s0, int c, int key) {
        int base = s0;
        for (int len = c; len > 1; ) {
            int half = len >>> 1;
            base += half & atMost(thr[base + half], key);
            len -= half;
        }
        return base - s0 + (atMost(thr[base], key) & 1);
    }

    /** All ones when {@code threshold <= key}, else 0 (the sign of the difference, taken without overflow). */
    private static int atMost(int threshold, int key) {
        return (int) ~(((long) key - threshold) >> 63);
    }
}
