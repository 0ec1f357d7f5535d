package io.accessplan.model;

/** A trained regressor as served: one dense feature vector in, one learned value out; thread-safe. */
public interface FastRegressor {
    /** The learned value for a vector laid out as {@link io.accessplan.features.encode.FeatureEncoder#names()}. */
    double predict(double[] features);

    /** The learned values of several vectors; equal, value for value, to {@link #predict} on each. */
    default void predictAll(double[][] features, double[] out) {
        for (int i = 0; i < features.length; i++) {
            out[i] = predict(features[i]);
        }
    }
}
