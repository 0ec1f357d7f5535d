/**
 * The planner: turns a {@link io.accessplan.features.Workload} and a
 * {@link io.accessplan.features.Strategy} into the {@link io.accessplan.features.plan.Schedule}
 * of one training step (ordered kernels on a compute stream, copies on a copy stream, host
 * work, every allocation and free), and from the schedule alone the exact analytic peak memory,
 * FLOPs and traffic with its essential / redundant split ({@link io.accessplan.features.plan.Plan},
 * {@link io.accessplan.features.plan.Traffic}), and in closed form, without the schedule, the same
 * quantities for lookups ({@link io.accessplan.features.plan.Estimator}).
 */
package io.accessplan.features.plan;
