/**
 * The one feature encoder of accessplan: a (workload, strategy) pair, through the planner's
 * {@link io.accessplan.features.plan.Plan}, to a fixed vector of named numeric features
 * ({@link io.accessplan.features.encode.FeatureEncoder}), and the roofline time estimate those
 * features and the analytic baseline share ({@link io.accessplan.features.encode.Roofline}).
 * Training and serving both use this package; nothing else builds features.
 */
package io.accessplan.features.encode;
