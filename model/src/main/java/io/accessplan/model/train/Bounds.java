package io.accessplan.model.train;

/**
 * Range checks of the training settings: each failure is one line naming the setting, the bad
 * value and the accepted range (Smile's style: {@code "Invalid number of trees: " + ntrees}).
 */
final class Bounds {
    private Bounds() {
    }

    /** Rejects an integer outside [lo, hi]. */
    static int check(String name, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException("Invalid " + name + ": " + value + " (expected " + lo + " to " + hi + ")");
        }
        return value;
    }

    /** Rejects a number outside [lo, hi] (NaN included). */
    static double check(String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException("Invalid " + name + ": " + value + " (expected " + text(lo) + " to "
                    + text(hi) + ")");
        }
        return value;
    }

    /** Rejects a number outside (0, hi] (NaN included): a rate or a fraction that must not be zero. */
    static double positive(String name, double value, double hi) {
        if (!(value > 0 && value <= hi)) {
            throw new IllegalArgumentException("Invalid " + name + ": " + value + " (expected more than 0, at most "
                    + text(hi) + ")");
        }
        return value;
    }

    private static String text(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
