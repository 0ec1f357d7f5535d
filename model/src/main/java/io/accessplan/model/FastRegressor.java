package io.accessplan.model;

/** A trained regressor as served: one dense feature vector in, one learned value out; thread-safe. */
public interface FastRegressor {
    /** The learned value for a vector laid out as {@link io.accessplan.features.encode.FeatureEncoder#names()}. */
    double predict(double[] features);
}
