package io.accessplan.model.train;

import io.accessplan.features.Checks;

import java.util.Locale;

/**
 * The regressors training can fit, each one Tribuo trainer with its own settings record
 * ({@link TrainerOptions}): its name on the command line and in the model file, its defaults, and
 * how its recorded settings read back. The one place a trainer's name is switched on; everything
 * else holds the constant or its options.
 */
public enum TrainerKind {
    /** Gradient-boosted trees (Chen and Guestrin 2016), the default: served as flat forests. */
    XGBOOST {
        @Override
        public TrainerOptions defaults() {
            return XGBoostOptions.DEFAULTS;
        }

        @Override
        TrainerOptions recorded(RecordedSettings r) {
            return XGBoostOptions.recorded(r);
        }
    },
    /** One regression tree (CART, Breiman et al. 1984): depth 12, at least 5 rows to split. */
    CART {
        @Override
        public TrainerOptions defaults() {
            return CartOptions.DEFAULTS;
        }

        @Override
        TrainerOptions recorded(RecordedSettings r) {
            return CartOptions.recorded(r);
        }
    },
    /** A linear model by stochastic gradient descent with AdaGrad, rate 0.1, on standardised features. */
    SGD {
        @Override
        public TrainerOptions defaults() {
            return SgdOptions.DEFAULTS;
        }

        @Override
        TrainerOptions recorded(RecordedSettings r) {
            return SgdOptions.recorded(r);
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

    /** This trainer's default settings. */
    public abstract TrainerOptions defaults();

    /** This trainer's settings as a model file recorded them. */
    abstract TrainerOptions recorded(RecordedSettings r);
}
