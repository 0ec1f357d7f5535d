package io.accessplan.features;

import java.util.Arrays;

/**
 * The median and standard deviation of a step timed several times: what every backend reports
 * as {@code step_time_ms} and {@code step_time_ms_stdev}.
 */
public final class Repeats {
    private Repeats() {
    }

    /** The median (the mean of the middle two of an even count; NaN when empty). */
    public static double median(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The sample standard deviation, n - 1 in the denominator (0 for one value, NaN when empty). */
    public static double stdev(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        if (xs.length == 1) {
            return 0;
        }
        double mean = 0;
        for (double x : xs) {
            mean += x;
        }
        mean /= xs.length;
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }
}
