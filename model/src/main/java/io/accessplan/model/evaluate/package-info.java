/**
 * Evaluation: a model and the baselines (heuristic, analytic, always-full) scored on workloads held
 * out whole, by the choice rule users get ({@link io.accessplan.model.evaluate.Evaluator},
 * {@link io.accessplan.model.evaluate.Metrics}, {@link io.accessplan.model.evaluate.EvaluationReport}),
 * and the HTML report ({@link io.accessplan.model.evaluate.HtmlReport}). Depends on the serving
 * package only.
 */
package io.accessplan.model.evaluate;
