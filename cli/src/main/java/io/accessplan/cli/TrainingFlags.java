package io.accessplan.cli;

import io.accessplan.model.train.CartOptions;
import io.accessplan.model.train.SgdOptions;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.StepLevel;
import io.accessplan.model.train.TrainerKind;
import io.accessplan.model.train.TrainerOptions;
import io.accessplan.model.train.XGBoostOptions;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * Trainer and hyperparameter flags, recorded in the model's provenance. Each trainer reads its
 * own flags ({@link TrainerOptions}); a flag the chosen trainer does not read is refused in one
 * line rather than silently ignored, and every value is checked against its trainer's bounds.
 */
final class TrainingFlags {
    @Option(names = "--trainer", defaultValue = "xgboost", description = "xgboost, cart or sgd (default ${DEFAULT-VALUE})")
    String trainer;
    @Option(names = "--trees", description = "boosting rounds (xgboost; 1 to " + XGBoostOptions.MAX_TREES + ")")
    Integer trees;
    @Option(names = "--max-depth", description = "tree depth (xgboost: 1 to " + XGBoostOptions.MAX_DEPTH
            + "; cart: 1 to " + CartOptions.MAX_DEPTH + ")")
    Integer maxDepth;
    @Option(names = "--eta", description = "learning rate in (0, 1] (xgboost shrinkage, sgd rate)")
    Double eta;
    @Option(names = "--subsample", description = "row subsample per tree in (0, 1] (xgboost)")
    Double subsample;
    @Option(names = "--colsample", description = "feature subsample per tree in (0, 1] (xgboost)")
    Double colsample;
    @Option(names = "--min-child-weight", description = "minimum weight of a leaf (xgboost) or of a node to split (cart)")
    Double minChildWeight;
    @Option(names = "--lambda", description = "L2 regularisation of leaf weights (xgboost)")
    Double lambda;
    @Option(names = "--epochs", description = "passes over the data (sgd; 1 to " + SgdOptions.MAX_EPOCHS + ")")
    Integer epochs;
    @Option(names = "--folds", description = "grouped cross-validation folds (0: none; default 5; at most "
            + TrainOptions.MAX_FOLDS + ")")
    Integer folds;
    @Option(names = "--threads", description = "training threads (xgboost; default: cores)")
    Integer threads;
    @Option(names = "--rank-trees", description = "boosting rounds of the within-workload step-time regressor "
            + "(xgboost; default: as --trees)")
    Integer rankTrees;
    @Option(names = "--peak-trees", description = "boosting rounds of the peak-memory regressor "
            + "(xgboost; default: as --trees; 1 to " + XGBoostOptions.MAX_TREES + ")")
    Integer peakTrees;
    @Option(names = "--level-trees", description = "boosting rounds of the workload-level step-time regressor "
            + "(xgboost; 1 to " + XGBoostOptions.MAX_TREES + "; default " + XGBoostOptions.LEVEL_TREES + ")")
    Integer levelTrees;
    @Option(names = "--level-eta", description = "shrinkage of the workload-level step-time regressor in (0, 1] "
            + "(xgboost; default " + XGBoostOptions.LEVEL_ETA + ")")
    Double levelEta;
    @Option(names = "--peak-eta", description = "shrinkage of the peak-memory regressor in (0, 1] "
            + "(xgboost; default: as --eta)")
    Double peakEta;
    @Option(names = "--peak-depth", description = "tree depth of the peak-memory regressor (xgboost; 1 to "
            + XGBoostOptions.MAX_DEPTH + "; default: as --max-depth)")
    Integer peakDepth;
    @Option(names = "--rank-eta", description = "shrinkage of the within-workload step-time regressor in (0, 1] "
            + "(xgboost; default: as --eta)")
    Double rankEta;
    @Option(names = "--rank-depth", description = "tree depth of the within-workload step-time regressor (xgboost; "
            + "1 to " + XGBoostOptions.MAX_DEPTH + "; default: as --max-depth)")
    Integer rankDepth;

    @Option(names = "--margin-quantile", description = "quantile of cross-validated peak under-prediction taken as "
            + "the memory safety margin (0.5 to 1)")
    Double marginQuantile;

    @Option(names = "--step-level", defaultValue = "cv", description = "where step times take their workload level "
            + "from: absolute (the absolute regressor over every candidate), level (a regressor of the workload's "
            + "level on one row) or cv (the one of lower cross-validated step MAPE; default)")
    String stepLevel;

    @Option(names = "--train-seed", description = "seed of folds and subsampling (default 42)")
    Long seed;

    /** The options these flags describe; throws naming a bad value or a flag the trainer does not read. */
    TrainOptions options() {
        TrainerKind kind = TrainerKind.parse(trainer);
        TrainOptions d = TrainOptions.defaults();
        TrainOptions o = d.withTrainerOptions(trainerOptions(kind))
                .withFolds(folds != null ? folds : d.folds())
                .withSeed(seed != null ? seed : d.seed());
        o = o.withStepLevel(stepLevel());
        return marginQuantile != null ? o.withMarginQuantile(marginQuantile) : o;
    }

    /** The fixed step-time level form, or null for "cv". */
    private StepLevel stepLevel() {
        if (stepLevel == null || stepLevel.trim().equalsIgnoreCase("cv")) {
            return null;
        }
        try {
            return StepLevel.parse(stepLevel);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("Invalid --step-level: " + stepLevel + " (expected absolute, level or cv)");
        }
    }

    private TrainerOptions trainerOptions(TrainerKind kind) {
        return switch (kind) {
            case XGBOOST -> {
                refuse(kind, "--epochs", epochs);
                XGBoostOptions x = XGBoostOptions.DEFAULTS;
                int th = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
                // 0 means "as --trees" / "as --eta" / "as --max-depth" inside the options; on the
                // command line it is a bad value
                oneTo("number of peak trees", peakTrees, XGBoostOptions.MAX_TREES);
                rate("peak eta", peakEta);
                oneTo("peak max depth", peakDepth, XGBoostOptions.MAX_DEPTH);
                rate("rank eta", rankEta);
                oneTo("rank max depth", rankDepth, XGBoostOptions.MAX_DEPTH);
                yield new XGBoostOptions(or(trees, x.trees()), or(rankTrees, x.rankTrees()), or(peakTrees, x.peakTrees()),
                        or(maxDepth, x.maxDepth()),
                        or(eta, x.eta()), or(subsample, x.subsample()), or(colsample, x.colsample()),
                        or(minChildWeight, x.minChildWeight()), or(lambda, x.lambda()), th,
                        or(levelTrees, x.levelTrees()), or(levelEta, x.levelEta()), or(peakEta, x.peakEta()),
                        or(peakDepth, x.peakDepth()), or(rankEta, x.rankEta()), or(rankDepth, x.rankDepth()));
            }
            case CART -> {
                refuse(kind, "--trees", trees, "--rank-trees", rankTrees, "--peak-trees", peakTrees, "--level-trees",
                        levelTrees, "--level-eta", levelEta, "--peak-eta", peakEta, "--peak-depth", peakDepth,
                        "--rank-eta", rankEta, "--rank-depth", rankDepth, "--eta", eta, "--subsample", subsample,
                        "--colsample", colsample, "--lambda", lambda, "--epochs", epochs, "--threads", threads);
                yield new CartOptions(or(maxDepth, CartOptions.DEFAULTS.maxDepth()),
                        or(minChildWeight, CartOptions.DEFAULTS.minChildWeight()));
            }
            case SGD -> {
                refuse(kind, "--trees", trees, "--rank-trees", rankTrees, "--peak-trees", peakTrees, "--level-trees",
                        levelTrees, "--level-eta", levelEta, "--peak-eta", peakEta, "--peak-depth", peakDepth,
                        "--rank-eta", rankEta, "--rank-depth", rankDepth, "--max-depth", maxDepth, "--subsample",
                        subsample, "--colsample", colsample, "--min-child-weight", minChildWeight, "--lambda", lambda,
                        "--threads", threads);
                yield new SgdOptions(or(epochs, SgdOptions.DEFAULTS.epochs()), or(eta, SgdOptions.DEFAULTS.learningRate()));
            }
        };
    }

    /** Refuses a given count outside 1 to {@code hi}, in one line naming it. */
    private static void oneTo(String name, Integer value, int hi) {
        if (value != null && (value < 1 || value > hi)) {
            throw new BadInputException("Invalid " + name + ": " + value + " (expected 1 to " + hi + ")");
        }
    }

    /** Refuses a given rate outside (0, 1] (NaN included), in one line naming it. */
    private static void rate(String name, Double value) {
        if (value != null && !(value > 0 && value <= 1)) {
            throw new BadInputException("Invalid " + name + ": " + value + " (expected more than 0, at most 1)");
        }
    }

    /** Refuses the flags among (name, value) pairs that were given, naming them and the trainer. */
    private static void refuse(TrainerKind kind, Object... pairs) {
        List<String> given = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                given.add((String) pairs[i]);
            }
        }
        if (!given.isEmpty()) {
            throw new BadInputException(String.join(", ", given) + (given.size() == 1 ? " does" : " do")
                    + " not apply to --trainer " + kind.id());
        }
    }

    private static int or(Integer v, int otherwise) {
        return v != null ? v : otherwise;
    }

    private static double or(Double v, double otherwise) {
        return v != null ? v : otherwise;
    }
}
