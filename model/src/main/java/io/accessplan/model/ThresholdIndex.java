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
 * <p>Filling costs one search per row and feature (one per feature where every row holds the same
 * key, as the workload's own features do, and none where a thread's table already holds that key
 * from its previous fill: {@link Table}), a bucket lookup and a few steps in a small window rather
 * than a binary search of all the feature's thresholds ({@link #position}: 2.0 steps on average
 * over the bundled model's features against 4.8), and a pass over the feature's slots; the forests of a
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
     * bundled model's 3,913 slots take 16 KB, about a third of a core's L1 cache here), and a
     * split's load from it is the walk's one random access.
     */
    static final int MAX_ROWS = 32;
    /** Most slots: a forest's {@link FlatForest#slots} are chars. */
    static final int MAX_SLOTS = Character.MAX_VALUE + 1;

    /** Features read: 1 + the largest feature index a split of the forests reads. */
    final int width;
    /** Per feature, how many distinct thresholds it has. */
    private final int[] count;
    /** Slot of feature {@code f}'s first threshold. */
    private final int[] slotBase;
    /** Slots of a table. */
    final int slots;
    /** The most thresholds a feature has. */
    private final int maxCount;
    /*
     * A row's position among feature f's thresholds (how many are at most its key) is looked up
     * in two steps: its key's bucket, one of fewer than 4 count[f] equal slices of the thresholds'
     * key range (a subtraction and a shift: keys order as the floats), gives the position of the
     * bucket's first threshold (bucketFirst), and a branch-free search of a fixed 2^searchSteps[f]
     * window from there (more than the fullest bucket holds) counts the rest. Slices of the key
     * range rather than of the value range (as before) take no float conversion and cost 0.5 us of
     * a lookup's 9 us fill less, measured on the bundled model's candidate rows. The bucket of a
     * key never decreases with the key, so every threshold
     * of an earlier bucket is below it and every one of a later bucket above: the count is the
     * binary search's over all thresholds. The window is wider than the fullest bucket, so the
     * halving steps land on the count itself (the entry there is always above the key: no last
     * comparison). The window reads the feature's distinct threshold keys, ascending, in
     * `windowed` from windowStart[f], followed by 2^searchSteps[f] keys above every float's.
     */
    private final int[] windowed;
    private final int[] windowStart;
    /** Per feature: the key of its least threshold, and the shift that turns a key's distance from it into its bucket. */
    private final long[] lowKey;
    private final int[] shift;
    private final int[] lastBucket;
    /** Per feature, from bucketStart[f]: the position of the first threshold of each bucket. */
    private final char[] bucketFirst;
    private final int[] bucketStart;
    private final int[] searchSteps;

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
        this.count = new int[w];
        this.slotBase = new int[w];
        int slot = 1;
        for (int f = 0; f < w; f++) {
            int[] t = Arrays.copyOf(byFeature[f], n[f]);
            Arrays.sort(t);
            byFeature[f] = Arrays.stream(t).distinct().toArray();
            count[f] = byFeature[f].length;
            slotBase[f] = slot;
            slot += count[f];
        }
        this.slots = slot;
        this.maxCount = Arrays.stream(count).max().orElse(0);
        this.lowKey = new long[w];
        this.shift = new int[w];
        this.lastBucket = new int[w];
        this.bucketStart = new int[w];
        this.searchSteps = new int[w];
        this.windowStart = new int[w];
        // each feature's buckets (how many of its thresholds fall in each) and window
        int[][] inBucket = new int[w][];
        int buckets = 0;
        int windows = 0;
        for (int f = 0; f < w; f++) {
            int c = count[f];
            if (c == 0) {
                continue;
            }
            // the fewest slices of a power-of-two width, fewer than 4c, that cover the key range: with
            // fewer than 2c (as before) a search took 2.34 window steps on average over the bundled
            // model's features, with 4c 2.00 (11,718 buckets, 23 KB): the fill 9.0 -> 8.4 us over the
            // candidates' rows, and -1.4% CPU time a lookup (six alternated runs); 8c was no faster
            long span = (long) byFeature[f][c - 1] - byFeature[f][0];
            int sh = 0;
            while ((span >>> sh) >= 4L * c) {
                sh++;
            }
            lowKey[f] = byFeature[f][0];
            shift[f] = sh;
            int nb = (int) (span >>> sh) + 1;
            lastBucket[f] = nb - 1;
            int[] in = new int[nb];
            for (int key : byFeature[f]) {
                in[bucket(f, key)]++;
            }
            inBucket[f] = in;
            searchSteps[f] = 32 - Integer.numberOfLeadingZeros(Arrays.stream(in).max().getAsInt());
            bucketStart[f] = buckets;
            buckets += nb + 1;
            windowStart[f] = windows;
            windows += c + (1 << searchSteps[f]);
        }
        this.bucketFirst = new char[buckets];
        this.windowed = new int[windows];
        Arrays.fill(windowed, Integer.MAX_VALUE);   // above every float's key (+infinity's is 0x7f800000)
        for (int f = 0; f < w; f++) {
            int c = count[f];
            System.arraycopy(byFeature[f], 0, windowed, windowStart[f], c);
            // bucket b's first threshold: the number of thresholds in the buckets before it
            for (int b = 0; c > 0 && b < lastBucket[f] + 1; b++) {
                bucketFirst[bucketStart[f] + b + 1] = (char) (bucketFirst[bucketStart[f] + b] + inBucket[f][b]);
            }
        }
    }

    /** Feature {@code f}'s bucket of a key: its slice of the thresholds' key range, clamped to the buckets. */
    private int bucket(int f, int key) {
        long d = Math.max(0, (long) key - lowKey[f]);
        return (int) Math.min(lastBucket[f], d >>> shift[f]);
    }

    /**
     * How many of feature {@code f}'s thresholds are at most {@code key}, the key of a float that is
     * not NaN (what a binary search of them counts), by bucket and window.
     */
    int position(int f, int key) {
        int base = windowStart[f] + bucketFirst[bucketStart[f] + bucket(f, key)];
        final int[] t = windowed;
        for (int h = (1 << searchSteps[f]) >>> 1; h > 0; h >>>= 1) {
            base += h & atMost(t[base + h - 1], key);
        }
        return base - windowStart[f];
    }

    /** The slot of the split "feature {@code f}'s key &gt;= {@code key} goes right" (a threshold of the forests). */
    int slot(int f, int key) {
        int i = Arrays.binarySearch(windowed, windowStart[f], windowStart[f] + count[f], key);
        if (i < 0) {
            throw new IllegalArgumentException("Threshold key " + key + " of feature " + f + " is not indexed");
        }
        return slotBase[f] + i - windowStart[f];
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
        /** Per feature: whether the last fill found its rows at more than one position. */
        private final boolean[] varied;
        private final int[] uniformKey;
        /** The all-rows set of the last fill (0 before the first). */
        private int all;
        /** Scratch, zero between features: the rows at each position, and each row's position. */
        private final int[] at;
        private final int[] pos = new int[MAX_ROWS];
        /**
         * The set walk's scratch ({@link FlatForest#predictSets}): its two frontiers of (node, rows)
         * entries, at most one per row per tree of a group and one written past the end, and the
         * rows' sums.
         */
        final int[] node = new int[FlatForest.SET_GROUP * MAX_ROWS + 2];
        final int[] rows = new int[node.length];
        final int[] node2 = new int[node.length];
        final int[] rows2 = new int[node.length];
        final double[] sums = new double[MAX_ROWS];

        Table(ThresholdIndex index) {
            this.sets = new int[index.slots];
            this.uniform = new boolean[index.width];
            this.varied = new boolean[index.width];
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
        for (int f = 0; f < width; f++) {
            final int c = count[f];
            if (c == 0) {
                continue;
            }
            final int base = slotBase[f];
            final int first = rows[from * stride + f];
            // whether every row holds one key is asked only of a feature whose rows did at this
            // table's previous fill, or all stood at one position (the workload's own features): one
            // whose rows differed then (a strategy's) takes the general path, which gives the same
            // sets for rows at one key
            boolean ask = memo == null || !memo.varied[f];
            boolean same = ask;
            for (int i = 1; ask && i < n; i++) {
                same &= rows[(from + i) * stride + f] == first;
            }
            if (same) {
                if (reuse && memo.uniform[f] && memo.uniformKey[f] == first) {
                    continue;
                }
                // every row is at least the thresholds up to its key's
                int p = position(f, first);
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
            // eight searches in lockstep (windows of one size, so the same steps): eight chains of
            // dependent loads in flight, the latency of one search step paid once for all eight
            final int[] t = windowed;
            final int ws = windowStart[f];
            final int bs = bucketStart[f];
            final int half = (1 << searchSteps[f]) >>> 1;
            // the last eight overlap the batch before them where n is not a multiple of 8 (a row
            // marked twice is marked alike): no row searched alone once n >= 8
            for (; i < n && n >= 8; i += 8) {
                i = Math.min(i, n - 8);
                int r = (from + i) * stride + f;
                int k0 = rows[r];
                int k1 = rows[r + stride];
                int k2 = rows[r + 2 * stride];
                int k3 = rows[r + 3 * stride];
                int k4 = rows[r + 4 * stride];
                int k5 = rows[r + 5 * stride];
                int k6 = rows[r + 6 * stride];
                int k7 = rows[r + 7 * stride];
                int b0 = ws + bucketFirst[bs + bucket(f, k0)];
                int b1 = ws + bucketFirst[bs + bucket(f, k1)];
                int b2 = ws + bucketFirst[bs + bucket(f, k2)];
                int b3 = ws + bucketFirst[bs + bucket(f, k3)];
                int b4 = ws + bucketFirst[bs + bucket(f, k4)];
                int b5 = ws + bucketFirst[bs + bucket(f, k5)];
                int b6 = ws + bucketFirst[bs + bucket(f, k6)];
                int b7 = ws + bucketFirst[bs + bucket(f, k7)];
                for (int h = half; h > 0; h >>>= 1) {
                    b0 += h & atMost(t[b0 + h - 1], k0);
                    b1 += h & atMost(t[b1 + h - 1], k1);
                    b2 += h & atMost(t[b2 + h - 1], k2);
                    b3 += h & atMost(t[b3 + h - 1], k3);
                    b4 += h & atMost(t[b4 + h - 1], k4);
                    b5 += h & atMost(t[b5 + h - 1], k5);
                    b6 += h & atMost(t[b6 + h - 1], k6);
                    b7 += h & atMost(t[b7 + h - 1], k7);
                }
                mark(at, pos, b0 - ws, i);
                mark(at, pos, b1 - ws, i + 1);
                mark(at, pos, b2 - ws, i + 2);
                mark(at, pos, b3 - ws, i + 3);
                mark(at, pos, b4 - ws, i + 4);
                mark(at, pos, b5 - ws, i + 5);
                mark(at, pos, b6 - ws, i + 6);
                mark(at, pos, b7 - ws, i + 7);
            }
            for (; i < n; i++) {
                mark(at, pos, position(f, rows[(from + i) * stride + f]), i);
            }
            if (memo != null) {
                // every row at one position: its rows may hold one key next time, so ask then
                memo.varied[f] = at[pos[0]] != all;
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

    /** All ones when {@code threshold <= key}, else 0 (the sign of the difference, taken without overflow). */
    private static int atMost(int threshold, int key) {
        return (int) ~(((long) key - threshold) >> 63);
    }
}
