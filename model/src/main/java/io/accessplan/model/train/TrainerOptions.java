package io.accessplan.model.train;

import org.tribuo.Trainer;
import org.tribuo.regression.Regressor;

import java.util.Map;

/**
 * The settings of one trainer, each trainer its own record, as Tribuo gives each trainer its own
 * configurable fields ({@code XGBoostRegressionTrainer}, {@code CARTRegressionTrainer},
 * {@code LinearSGDTrainer}): {@link XGBoostOptions}, {@link CartOptions}, {@link SgdOptions}. Each
 * record validates its values when built, against documented bounds, with a one-line message
 * naming the bad value; the settings every trainer shares (seed, folds, targets, margins) are
 * {@link TrainOptions}'.
 */
public sealed interface TrainerOptions permits XGBoostOptions, CartOptions, SgdOptions {

    /** Which trainer these settings are for. */
    TrainerKind kind();

    /**
     * The Tribuo trainer of these settings.
     *
     * @param seed           the run's seed ({@link TrainOptions#seed()})
     * @param withinWorkload whether it fits the within-workload step-time regressor (XGBoost gives it its own tree count)
     */
    Trainer<Regressor> tribuo(long seed, boolean withinWorkload);

    /** Puts these settings into the model file's hyperparameters, under the names the file has always used. */
    void describe(Map<String, Object> m);
}
