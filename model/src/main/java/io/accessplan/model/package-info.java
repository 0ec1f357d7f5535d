/**
 * Learning which memory strategy trains a workload fastest: Tribuo regressors of step time and
 * peak memory over the features of {@link io.accessplan.features.encode.FeatureEncoder}
 * ({@link io.accessplan.model.ModelTrainer}; step time both absolute and within each workload),
 * memory safety margins by the size of the learned correction
 * ({@link io.accessplan.model.PeakMargins}), the one choice rule the predictor answers with and the
 * evaluation scores ({@link io.accessplan.model.Choice}), grouped cross-validation
 * ({@link io.accessplan.model.CrossValidation}), evaluation against the baselines
 * ({@link io.accessplan.model.Evaluator}, {@link io.accessplan.model.HtmlReport}), the model file
 * ({@link io.accessplan.model.ModelFile}) and the trained model as served
 * ({@link io.accessplan.model.StrategyModel}, compiled to flat arrays by
 * {@link io.accessplan.model.CompiledEnsemble}).
 *
 * <p>Only {@link io.accessplan.model.DatasetRows} touches the datasets module: the serving
 * classes load and predict with no Hadoop, Parquet or dataset class on the classpath.
 */
package io.accessplan.model;
