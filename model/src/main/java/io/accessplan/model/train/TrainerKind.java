package io.accessplan.model.train;

import io.accessplan.features.Checks;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.rtree.CARTRegressionTrainer;
import org.tribuo.regression.rtree.impurity.MeanSquaredError;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;
import org.tribuo.common.xgboost.XGBoostTrainer;
import org.tribuo.regression.xgboost.XGBoostRegressionTrainer;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.transform.TransformTrainer;
import org.tribuo.transform.TransformationMap;
import org.tribuo.transform.transformations.MeanStdDevTransformation;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The regressors training can fit, each one Tribuo trainer: which settings of
 * {@link TrainOptions} it reads (what the model file records of it), its defaults, and the Tribuo
 * trainer it builds. The one place a trainer's name is switched on; everything else holds the
 * constant.
 */
public enum TrainerKind {
    /** Gradient-boosted trees (Chen and Guestrin 2016), the default: served as flat forests. */
    XGBOOST {
        @Override
        org.tribuo.Trainer<Regressor> tribuo(TrainOptions o, int trees) {
            // histogram tree method: an order of magnitude faster than exact greedy on dense features
            // (Chen and Guestrin 2016, section 3.2; XGBoost docs "Tree Methods"). One thread per fit:
            // o.threads() fits run at once instead (Regressors#fitAll says why)
            return new XGBoostRegressionTrainer(XGBoostTrainer.BoosterType.GBTREE, XGBoostTrainer.TreeMethod.HIST,
                    XGBoostRegressionTrainer.RegressionType.LINEAR, trees, o.eta(), 0.0, o.maxDepth(),
                    o.minChildWeight(), o.subsample(), o.colsample(), o.lambda(), 0.0, 1,
                    XGBoostTrainer.LoggingVerbosity.SILENT, o.seed());
        }

        @Override
        void describe(TrainOptions o, Map<String, Object> m) {
            m.put("trees", o.trees());
            m.put("rank_trees", o.effectiveRankTrees());
            m.put("max_depth", o.maxDepth());
            m.put("eta", o.eta());
            m.put("subsample", o.subsample());
            m.put("colsample", o.colsample());
            m.put("min_child_weight", o.minChildWeight());
            m.put("lambda", o.lambda());
            m.put("threads", o.threads());
        }

        @Override
        TrainOptions defaults(TrainOptions o) {
            return o;
        }
    },
    /** One regression tree (CART, Breiman et al. 1984): depth 12, at least 5 rows a leaf. */
    CART {
        @Override
        org.tribuo.Trainer<Regressor> tribuo(TrainOptions o, int trees) {
            return new CARTRegressionTrainer(o.maxDepth(), (float) o.minChildWeight(), 0f, 1f, new MeanSquaredError(),
                    o.seed());
        }

        @Override
        void describe(TrainOptions o, Map<String, Object> m) {
            m.put("max_depth", o.maxDepth());
            m.put("min_child_weight", o.minChildWeight());
        }

        @Override
        TrainOptions defaults(TrainOptions o) {
            return o.withShape(12, o.eta(), 5.0);
        }
    },
    /** A linear model by stochastic gradient descent with AdaGrad, rate 0.1, on standardised features. */
    SGD {
        @Override
        org.tribuo.Trainer<Regressor> tribuo(TrainOptions o, int trees) {
            // linear SGD needs standardised features: Tribuo's TransformTrainer fits the
            // standardisation on the training data and carries it inside the model
            return new TransformTrainer<>(new LinearSGDTrainer(new SquaredLoss(), new AdaGrad(o.eta(), 0.1),
                    o.epochs(), o.seed()), new TransformationMap(List.of(new MeanStdDevTransformation())), true);
        }

        @Override
        void describe(TrainOptions o, Map<String, Object> m) {
            m.put("epochs", o.epochs());
            m.put("learning_rate", o.eta());
        }

        @Override
        TrainOptions defaults(TrainOptions o) {
            return o.withShape(o.maxDepth(), 0.1, o.minChildWeight());
        }
    };

    /** The name on the command line and in the model file. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The trainer of a name, case-insensitive; {@code null} is the default, {@link #XGBOOST}. */
    public static TrainerKind parse(String name) {
        return name == null ? XGBOOST : Checks.parseEnum("trainer", name, TrainerKind.class);
    }

    @Override
    public String toString() {
        return id();
    }

    /** The Tribuo trainer of these options, with {@code trees} boosting rounds where it boosts. */
    abstract org.tribuo.Trainer<Regressor> tribuo(TrainOptions o, int trees);

    /** Puts the settings this trainer reads into the model file's hyperparameters. */
    abstract void describe(TrainOptions o, Map<String, Object> m);

    /** The options with this trainer and its own defaults of depth, leaf weight and rate. */
    abstract TrainOptions defaults(TrainOptions o);
}
