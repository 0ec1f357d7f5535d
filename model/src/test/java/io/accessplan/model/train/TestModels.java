package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.SyntheticRows;
import java.util.List;

/** One small model trained once per test JVM on SYNTHETIC rows (see {@link SyntheticRows}). */
public final class TestModels {
    private static List<Observation> rows;
    private static TrainResult result;

    private TestModels() {
    }

    /** The synthetic training rows: 100 random workloads, every candidate strategy. */
    public static synchronized List<Observation> rows() {
        if (rows == null) {
            rows = SyntheticRows.rows(SyntheticRows.workloads(100, 11));
        }
        return rows;
    }

    /** Options small enough for a unit test: 60 trees, 3 grouped folds, both target forms tried. */
    public static TrainOptions options() {
        return TrainOptions.defaults().withTrees(60, 6).withFolds(3);
    }

    /** The trained model and its cross-validation. */
    public static synchronized TrainResult trained() {
        if (result == null) {
            result = ModelTrainer.train(rows(), options());
        }
        return result;
    }
}
