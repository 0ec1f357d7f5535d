package io.accessplan.cuda;

import java.util.Arrays;

/** Median and standard deviation of repeated timings. */
final class Stats {
    private Stats() {
    }

    /** The median (NaN when empty). */
    static double median(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The sample standard deviation (0 for one value, NaN when empty). */
    static double stdev(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        if (xs.length == 1) {
            return 0;
        }
        double mean = Arrays.stream(xs).average().orElse(Double.NaN);
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }
}
