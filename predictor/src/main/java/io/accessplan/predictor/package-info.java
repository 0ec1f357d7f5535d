/**
 * The predictor: {@link io.accessplan.predictor.AccessPlanner}, the Java API a training launcher or
 * a service calls in-process (one lookup or a batch), answering with a
 * {@link io.accessplan.predictor.Recommendation}. It serves a trained model file or the bundled
 * default, and needs neither Hadoop nor Parquet on the class path.
 */
package io.accessplan.predictor;
