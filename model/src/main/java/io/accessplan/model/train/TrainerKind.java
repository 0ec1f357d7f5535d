package io.accessplan.model.train;

import io.accessplan.features.Checks;

import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The regressors training can fit, each one Tribuo trainer with its own settings record
 * ({@link TrainerOptions}): its name on the command line and in the model file, its defaults, and
 * how its recorded settings read back. The one place a trainer's name is parsed; everything else
 * holds the constant or its options (the command line's flags map onto each record in
 * {@code cli.TrainingFlags}).
 */
public enum TrainerKind {
    /** Gradient-boosted trees (Chen and Guestrin 2016), the default: served as flat forests. */
    XGBOOST(() -> XGBoostOptions.DEFAULTS, XGBoostOptions::recorded),
    /** One regression tree (CART, Breiman et al. 1984): depth 12, at least 5 rows to split. */
    CART(() -> CartOptions.DEFAULTS, CartOptions::recorded),
    /** A linear model by stochastic gradient descent with AdaGrad, rate 0.1, on standardised features. */
    SGD(() -> SgdOptions.DEFAULTS, SgdOptions::recorded);

    // suppliers rather than values: the options classes refer back to their constant
    private final Supplier<TrainerOptions> defaults;
    private final Function<RecordedSettings, TrainerOptions> recorded;

    TrainerKind(Supplier<TrainerOptions> defaults, Function<RecordedSettings, TrainerOptions> recorded) {
        this.defaults = defaults;
        this.recorded = recorded;
    }

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
    public TrainerOptions defaults() {
        return defaults.get();
    }

    /** This trainer's settings as a model file recorded them. */
    TrainerOptions recorded(RecordedSettings r) {
        return recorded.apply(r);
    }
}
