/**
 * Training: Tribuo regressors of step time and peak memory over the features of
 * {@link io.accessplan.features.encode.FeatureEncoder} ({@link io.accessplan.model.train.ModelTrainer};
 * step time both absolute and within each workload), the trainers and their settings
 * ({@link io.accessplan.model.train.Regressors}, {@link io.accessplan.model.train.TrainOptions}, each
 * trainer's own {@link io.accessplan.model.train.TrainerOptions} record) and
 * grouped cross-validation ({@link io.accessplan.model.train.CrossValidation}). Its product is a
 * {@link io.accessplan.model.StrategyModel} with its cross-validated
 * {@link io.accessplan.model.evaluate.EvaluationReport}.
 */
package io.accessplan.model.train;
