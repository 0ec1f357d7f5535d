package io.accessplan.model.train;

import io.accessplan.model.StrategyModel;
import io.accessplan.model.evaluate.EvaluationReport;
import java.util.Map;

/**
 * What a training run produced.
 *
 * @param model           the final model, trained on every row
 * @param crossValidation the grouped cross-validation report (out-of-fold predictions of models that
 *                        never saw the held-out architectures), or {@code null} without cross-validation
 * @param transformMape   cross-validated MAPE of each target form tried, e.g. {@code step_time/log_ratio}
 * @param seconds         wall time of the whole run, cross-validation included
 */
public record TrainResult(StrategyModel model, EvaluationReport crossValidation, Map<String, Double> transformMape,
                          double seconds) {
}
