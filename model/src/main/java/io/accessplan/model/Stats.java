package io.accessplan.model;

import java.util.Arrays;

/** Small statistics helpers shared by training and evaluation. */
public final class Stats {
    private Stats() {
    }

    /** The nearest-rank quantile (Hyndman and Fan 1996, definition 1) of the values; NaN if empty. */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(q * s.length);
        return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
    }

    /** The mean; NaN if empty. */
    public static double mean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
