package io.accessplan.cli;

import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.TrainResult;

import java.util.List;

/**
 * The one bridge from the datasets module to the model: dataset rows become
 * {@link Observation}s, and the training and evaluation entry points accept rows directly. The
 * serving classes (package {@code io.accessplan.model}) never
 * reference this class, so a lookup needs no Parquet or Hadoop on the classpath.
 */
public final class DatasetRows {
    private DatasetRows() {
    }

    /** The observations of dataset rows, in order. */
    public static List<Observation> observations(List<DatasetRow> rows) {
        return rows.stream().map(r -> new Observation(r.workload(), r.strategy(), r.measurement())).toList();
    }

    /** Reads every row of a dataset (a directory or any Hadoop URI) as observations. */
    public static List<Observation> read(String dirOrUri) {
        return observations(ParquetDataset.open(dirOrUri).readAll());
    }

    /** Trains on dataset rows ({@link ModelTrainer#train}). */
    public static TrainResult train(List<DatasetRow> rows, TrainOptions options) {
        return ModelTrainer.train(observations(rows), options);
    }

    /** Evaluates a model and the baselines on dataset rows ({@link Evaluator#evaluate}). */
    public static EvaluationReport evaluate(StrategyModel model, List<DatasetRow> rows) {
        return Evaluator.evaluate(model, observations(rows));
    }
}
