package io.accessplan.model.train;

import org.tribuo.Trainer;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.rtree.CARTRegressionTrainer;
import org.tribuo.regression.rtree.impurity.MeanSquaredError;

import java.util.Map;

/**
 * The settings of one regression tree (CART, Breiman et al. 1984; Tribuo's
 * {@code CARTRegressionTrainer}, mean squared error impurity, every feature at every split).
 *
 * @param maxDepth       tree depth, 1 to {@value #MAX_DEPTH}: one tree has no boosting rounds to add
 *                       capacity, so it may grow deeper than a boosted one
 * @param minChildWeight minimum weight (rows) of a node to split it, 0 to {@value XGBoostOptions#MAX_WEIGHT}
 */
public record CartOptions(int maxDepth, double minChildWeight) implements TrainerOptions {
    /** Deepest tree. */
    public static final int MAX_DEPTH = 32;

    /** The defaults: depth 12, at least 5 rows to split a node. */
    public static final CartOptions DEFAULTS = new CartOptions(12, 5.0);

    /** Validates every field. */
    public CartOptions {
        Bounds.check("max depth", maxDepth, 1, MAX_DEPTH);
        Bounds.check("min child weight", minChildWeight, 0, XGBoostOptions.MAX_WEIGHT);
    }

    /** Reads recorded settings; a setting the file lacks takes its default. */
    static CartOptions recorded(RecordedSettings r) {
        return new CartOptions(r.integer("max_depth", DEFAULTS.maxDepth), r.number("min_child_weight", DEFAULTS.minChildWeight));
    }

    @Override
    public TrainerKind kind() {
        return TrainerKind.CART;
    }

    @Override
    public Trainer<Regressor> tribuo(long seed, boolean withinWorkload) {
        return new CARTRegressionTrainer(maxDepth, (float) minChildWeight, 0f, 1f, new MeanSquaredError(), seed);
    }

    @Override
    public void describe(Map<String, Object> m) {
        m.put("max_depth", maxDepth);
        m.put("min_child_weight", minChildWeight);
    }
}
