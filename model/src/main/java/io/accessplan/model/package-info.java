/**
 * The trained model as served: a lookup loads a model file ({@link io.accessplan.model.ModelFile},
 * {@link io.accessplan.model.ModelMetadata}), predicts step time and peak memory of every candidate
 * strategy ({@link io.accessplan.model.StrategyModel}, compiled to flat arrays by
 * {@link io.accessplan.model.CompiledEnsemble}), applies the memory safety margins
 * ({@link io.accessplan.model.PeakMargins}) and chooses by the one rule the predictor answers with
 * and the evaluation scores ({@link io.accessplan.model.Choice}).
 *
 * <p>Training lives in {@link io.accessplan.model.train}, evaluation in
 * {@link io.accessplan.model.evaluate}; both depend on this package and never the other way round,
 * and nothing in the model module touches the datasets module (the dataset rows become
 * {@link io.accessplan.model.Observation}s in the command line), so a lookup needs no training
 * code, Hadoop, Parquet or dataset class on the classpath ({@code ServingLayeringTest}).
 */
package io.accessplan.model;
