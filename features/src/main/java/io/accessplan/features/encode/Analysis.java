package io.accessplan.features.encode;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Estimator;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.StepEstimate;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the encoder reads of one (workload, strategy) pair: the analytic {@link Plan} and the
 * kernel-level {@link StepEstimate}. Both come from the planner's closed-form {@link Estimator}
 * (the same section templates the schedule expands, summed without building the schedule), at
 * training and lookup time alike: a lookup scores ~40 strategies and cannot build ~40 schedules
 * of thousands of operations. The estimator's FLOPs, PCIe bytes and model state equal the
 * schedule's; its peak and traffic are close estimates, and since training sees the very same
 * numbers, the learned corrections absorb the difference.
 *
 * @param plan the (estimated) analytic plan
 * @param step the kernel-level step estimate
 */
public record Analysis(Plan plan, StepEstimate step) {

    /** Analyses one pair; throws if the strategy is not a candidate of the workload. */
    public static Analysis of(Workload w, Strategy s) {
        return all(w, List.of(s)).get(0);
    }

    /** Analyses several strategies of one workload, sharing the section templates of each micro-batch size. */
    public static List<Analysis> all(Workload w, List<Strategy> strategies) {
        Estimator.Estimate[] es = Estimator.all(w, strategies, StepEstimate.LAUNCH_MS, StepEstimate.HOST_FLOPS);
        List<Analysis> out = new ArrayList<>(es.length);
        for (Estimator.Estimate e : es) {
            out.add(new Analysis(e.plan(), e.step()));
        }
        return out;
    }
}
