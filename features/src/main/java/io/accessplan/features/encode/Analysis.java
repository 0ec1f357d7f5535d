package io.accessplan.features.encode;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;

/**
 * Everything the encoder reads of one (workload, strategy) pair: the planner's {@link Plan} and
 * the kernel-level {@link StepEstimate}, both from one schedule, which is then dropped (a
 * schedule holds every operation; the two summaries are small enough to keep for a dataset).
 *
 * @param plan the analytic plan
 * @param step the kernel-level step estimate
 */
public record Analysis(Plan plan, StepEstimate step) {

    /** Schedules the pair once and summarises it; throws if the strategy is not a candidate. */
    public static Analysis of(Workload w, Strategy s) {
        return of(Planner.schedule(w, s));
    }

    /** Summarises a schedule. */
    public static Analysis of(Schedule s) {
        return new Analysis(s.plan(), StepEstimate.of(s));
    }
}
