package io.accessplan.model.train;

import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableFeatureMap;
import org.tribuo.Trainer;
import org.tribuo.common.xgboost.XGBoostTrainer;
import org.tribuo.regression.Regressor;

import java.lang.reflect.Field;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An XGBoost fit straight from the encoded feature matrix, for the regressors of a
 * cross-validation, which only predict their held-out rows and are never saved: the very model the
 * Tribuo path ({@link Regressors#fit}) would fit, without building a Tribuo dataset of boxed
 * feature values first: on the simulated standard sweep one fold's peak regressor (63k rows, 150
 * trees, one thread) fitted and predicted its held-out rows in 3.7 and 4.2 s of process CPU time
 * through Tribuo and in 2.0 and 2.1 s directly (alternated twice in one process, load average 25),
 * the same predictions. What makes it the same model, each step as Tribuo's {@code XGBoostRegressionTrainer}
 * (4.3) takes it: the trainer's own XGBoost parameter map and tree count (read from the trainer the
 * options build, so one place says what they are); feature ids from Tribuo's own
 * {@link ImmutableFeatureMap} of the names; a CSR matrix of every feature of every row in id order,
 * values and labels as floats, every weight 1; predictions as floats widened to double.
 * {@code RegressorsTest} checks the predictions bit for bit against the Tribuo path.
 */
final class DirectXGBoost {
    private final Map<String, Object> parameters;
    private final int trees;
    /** Column of each feature id: the index in the encoder's names of the feature Tribuo gives id k. */
    private final int[] columnOfId;

    private DirectXGBoost(Map<String, Object> parameters, int trees, int[] columnOfId) {
        this.parameters = parameters;
        this.trees = trees;
        this.columnOfId = columnOfId;
    }

    /**
     * The direct path for a trainer, or null where it does not apply (not an XGBoost trainer, or a
     * Tribuo whose trainer does not hold its settings where 4.3 does: the Tribuo path then).
     */
    static DirectXGBoost of(Trainer<Regressor> trainer, List<String> names) {
        if (!(trainer instanceof XGBoostTrainer<?> x)) {
            return null;
        }
        try {
            Field p = XGBoostTrainer.class.getDeclaredField("parameters");
            Field n = XGBoostTrainer.class.getDeclaredField("numTrees");
            p.setAccessible(true);
            n.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<String, Object> params = new HashMap<>((Map<String, Object>) p.get(x));
            MutableFeatureMap m = new MutableFeatureMap();
            for (String name : names) {
                m.add(name, 1);
            }
            ImmutableFeatureMap ids = new ImmutableFeatureMap(m);
            int[] col = new int[names.size()];
            for (int c = 0; c < names.size(); c++) {
                col[ids.getID(names.get(c))] = c;
            }
            return new DirectXGBoost(params, n.getInt(x), col);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Fits on rows {@code x} with targets {@code y} and predicts the rows {@code test}. */
    double[] fitPredict(List<double[]> x, double[] y, List<double[]> test) {
        DMatrix train = null;
        DMatrix held = null;
        Booster booster = null;
        try {
            train = matrix(x);
            float[] labels = new float[y.length];
            float[] weights = new float[y.length];
            for (int i = 0; i < y.length; i++) {
                labels[i] = (float) y[i];
                weights[i] = 1f;
            }
            train.setLabel(labels);
            train.setWeight(weights);
            booster = XGBoost.train(train, parameters, trees, Collections.emptyMap(), null, null);
            double[] out = new double[test.size()];
            if (test.isEmpty()) {
                return out;
            }
            held = matrix(test);
            float[][] p = booster.predict(held);
            for (int i = 0; i < out.length; i++) {
                out[i] = p[i][0];
            }
            return out;
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost failed: " + e.getMessage(), e);
        } finally {
            if (booster != null) {
                booster.dispose();
            }
            if (train != null) {
                train.dispose();
            }
            if (held != null) {
                held.dispose();
            }
        }
    }

    /** Every feature of every row, in Tribuo's id order, as a CSR matrix. */
    private DMatrix matrix(List<double[]> rows) throws XGBoostError {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("Invalid training data: no rows to fit");
        }
        int f = columnOfId.length;
        float[] data = new float[rows.size() * f];
        int[] indices = new int[data.length];
        long[] headers = new long[rows.size() + 1];
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            double[] v = rows.get(r);
            if (v.length != f) {
                throw new IllegalArgumentException("Invalid feature row " + r + ": " + v.length + " values, expected " + f);
            }
            for (int id = 0; id < f; id++) {
                data[k] = (float) v[columnOfId[id]];
                indices[k] = id;
                k++;
            }
            headers[r + 1] = k;
        }
        return new DMatrix(headers, indices, data, DMatrix.SparseType.CSR, f);
    }
}
