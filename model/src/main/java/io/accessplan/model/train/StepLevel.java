package io.accessplan.model.train;

import io.accessplan.model.StrategyModel;

import java.util.Locale;

/**
 * Where a model's predicted step times take their workload level from. Both forms rank a
 * workload's strategies by the within-workload regressor ({@link StrategyModel#RANK}) and place
 * them at one level per workload, so they choose alike; they differ in the level, and so in step
 * times, their intervals and energies by step time.
 */
public enum StepLevel {
    /**
     * The mean over the workload's candidates of (absolute - within-workload) learned step time:
     * the absolute regressor ({@link StrategyModel#STEP_TIME}) walked over every candidate.
     */
    ABSOLUTE,
    /**
     * One regressor of the workload's mean step-time target ({@link StrategyModel#LEVEL}) on one
     * row per workload ({@link StrategyModel#LEVEL_STRATEGY}); the absolute regressor is not trained.
     */
    REGRESSOR;

    /** Parses {@code absolute} or {@code level}. */
    public static StepLevel parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (StepLevel l : values()) {
            if (l.id().equals(t)) {
                return l;
            }
        }
        throw new IllegalArgumentException("Unknown step-time level: " + s + " (expected absolute or level)");
    }

    /** The lower-case name used in options and reports. */
    public String id() {
        return this == ABSOLUTE ? "absolute" : "level";
    }
}
