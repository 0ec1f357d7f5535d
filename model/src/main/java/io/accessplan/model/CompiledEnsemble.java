package io.accessplan.model;

import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.common.xgboost.XGBoostModel;
import org.tribuo.impl.ArrayExample;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Compiles trained Tribuo regressors into their serving form: an XGBoost model becomes a
 * {@link FlatForest} (Tribuo's per-example XGBoost prediction builds a native DMatrix per call,
 * ~0.2-0.5 ms; the flat arrays answer in microseconds), any other model is served through Tribuo
 * itself. Holds the two regressors of a {@link StrategyModel}, step time and peak memory.
 *
 * @param time the step-time regressor
 * @param peak the peak-memory regressor
 */
public record CompiledEnsemble(FastRegressor time, FastRegressor peak) {

    /**
     * Compiles the two regressors of a model for vectors laid out as {@code featureNames}; a null
     * {@code time} (a file in the step-time level form, which has no absolute regressor) stays null.
     */
    public static CompiledEnsemble of(Model<Regressor> time, Model<Regressor> peak, List<String> featureNames) {
        return new CompiledEnsemble(time == null ? null : compile(time, featureNames), compile(peak, featureNames));
    }

    /** Whether both regressors run without Tribuo (flat forests). */
    public boolean flat() {
        return time instanceof FlatForest && peak instanceof FlatForest;
    }

    /**
     * Both regressors' values for several vectors: {@code time[i]} and {@code peak[i]} equal, bit
     * for bit, {@code time().predict(xs[i])} and {@code peak().predict(xs[i])}. Two flat forests
     * share one conversion of the vectors.
     */
    public void predictAll(double[][] xs, double[] time, double[] peak) {
        predictAll(new FastRegressor[]{this.time, this.peak}, xs, new double[][]{time, peak});
    }

    /**
     * Several regressors' values for the same vectors: {@code out[r][i]} equals, bit for bit,
     * {@code regressors[r].predict(xs[i])}. Flat forests in the complete layout share one
     * conversion of the vectors to keys and walk them row by row; any other regressor predicts on
     * its own. The serving path groups a lookup's forests in a {@link ForestGroup} instead, which
     * walks each tree once for all the rows.
     */
    public static void predictAll(FastRegressor[] regressors, double[][] xs, double[][] out) {
        int width = 0;
        boolean shared = false;
        for (FastRegressor r : regressors) {
            if (r instanceof FlatForest f && f.complete()) {
                width = Math.max(width, f.width());
                shared = true;
            }
        }
        int[] rows = shared ? FlatForest.keys(xs, width) : null;
        for (int k = 0; k < regressors.length; k++) {
            if (regressors[k] instanceof FlatForest f && f.complete()) {
                f.predictAll(xs, rows, width, out[k]);
            } else {
                regressors[k].predictAll(xs, out[k]);
            }
        }
    }

    /** The serving form of one regressor: a flat forest for XGBoost, Tribuo itself otherwise. */
    public static FastRegressor compile(Model<Regressor> model, List<String> featureNames) {
        if (model instanceof XGBoostModel<Regressor> xgb) {
            return flatten(xgb, featureNames);
        }
        return new TribuoRegressor(model, featureNames);
    }

    /** Flattens the single booster of a one-dimensional XGBoost regressor. */
    public static FlatForest flatten(XGBoostModel<Regressor> model, List<String> featureNames) {
        List<Booster> boosters = model.getInnerModels();
        if (boosters.size() != 1) {
            throw new IllegalArgumentException("Expected a one-dimensional regressor, got " + boosters.size()
                    + " boosters");
        }
        ImmutableFeatureMap fm = model.getFeatureIDMap();
        int[] columnToFeature = new int[fm.size()];
        java.util.Arrays.fill(columnToFeature, -1);
        for (int i = 0; i < featureNames.size(); i++) {
            int id = fm.getID(featureNames.get(i));
            if (id >= 0) {
                columnToFeature[id] = i;
            }
        }
        try {
            String json = new String(boosters.get(0).toByteArray("json"), StandardCharsets.UTF_8);
            return FlatForest.fromBoosterJson(json, columnToFeature);
        } catch (XGBoostError e) {
            throw new IllegalStateException("Cannot read the XGBoost booster: " + e.getMessage(), e);
        }
    }

    /** A Tribuo regressor served through Tribuo (CART, linear SGD). */
    static final class TribuoRegressor implements FastRegressor {
        private final Model<Regressor> model;
        private final String[] names;

        TribuoRegressor(Model<Regressor> model, List<String> names) {
            this.model = model;
            this.names = names.toArray(new String[0]);
        }

        @Override
        public double predict(double[] features) {
            ArrayExample<Regressor> ex = new ArrayExample<>(RegressionFactory.UNKNOWN_REGRESSOR, names, features);
            Prediction<Regressor> p = model.predict(ex);
            return p.getOutput().getValues()[0];
        }
    }
}
