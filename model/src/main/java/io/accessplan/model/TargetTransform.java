package io.accessplan.model;

import java.util.Locale;

/**
 * What a regressor learns of a positive quantity {@code y} (step time, peak memory) whose
 * analytic estimate {@code a} is known: {@code ln y}, or {@code ln(y / a)}, the log of the ratio
 * of the measurement to the planner's estimate. The ratio form leaves the model only the
 * correction the planner does not know (achieved efficiency, allocator rounding), which is
 * smaller and smoother across model sizes than the quantity itself.
 */
public enum TargetTransform {
    /** Learn {@code ln y}. */
    LOG,
    /** Learn {@code ln(y / a)}. */
    LOG_RATIO;

    /** The learned value of a measurement {@code y} with analytic estimate {@code a}. */
    public double forward(double y, double a) {
        return this == LOG ? Math.log(y) : Math.log(y / a);
    }

    /** The quantity a learned value {@code t} stands for, given the analytic estimate {@code a}. */
    public double inverse(double t, double a) {
        return this == LOG ? Math.exp(t) : Math.exp(t) * a;
    }

    /** Parses {@code log} or {@code log_ratio}. */
    public static TargetTransform parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Unknown target transform: " + s + " (expected log or log_ratio)");
        }
    }

    /** The lower-case name used in options and the model file. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
