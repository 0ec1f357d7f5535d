package io.accessplan.cli;

import io.accessplan.model.train.TrainOptions;
import picocli.CommandLine.Option;

/** Trainer and hyperparameter flags, recorded in the model's provenance. */
final class TrainingFlags {
    @Option(names = "--trainer", defaultValue = "xgboost", description = "xgboost, cart or sgd (default ${DEFAULT-VALUE})")
    String trainer;
    @Option(names = "--trees", description = "boosting rounds (xgboost)")
    Integer trees;
    @Option(names = "--max-depth", description = "tree depth (xgboost, cart)")
    Integer maxDepth;
    @Option(names = "--eta", description = "learning rate (xgboost shrinkage, sgd rate)")
    Double eta;
    @Option(names = "--folds", description = "grouped cross-validation folds (0: none; default 5)")
    Integer folds;
    @Option(names = "--threads", description = "training threads (default: cores)")
    Integer threads;
    @Option(names = "--rank-trees", description = "boosting rounds of the within-workload step-time regressor "
            + "(xgboost; default: as --trees)")
    Integer rankTrees;

    @Option(names = "--margin-quantile", description = "quantile of cross-validated peak under-prediction taken as "
            + "the memory safety margin (0.5 to 1)")
    Double marginQuantile;

    @Option(names = "--train-seed", description = "seed of folds and subsampling (default 42)")
    Long seed;

    /** The options these flags describe. */
    TrainOptions options() {
        TrainOptions d = TrainOptions.defaults().withTrainer(trainer);
        int t = trees != null ? trees : d.trees();
        int depth = maxDepth != null ? maxDepth : d.maxDepth();
        TrainOptions o = d.withTrees(t, depth).withFolds(folds != null ? folds : d.folds());
        int th = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
        return new TrainOptions(o.trainer(), o.trees(), o.maxDepth(), eta != null ? eta : o.eta(), o.subsample(), o.colsample(),
                o.minChildWeight(), o.lambda(), o.epochs(), th, seed != null ? seed : o.seed(), o.folds(),
                o.timeTransform(), o.peakTransform(), marginQuantile != null ? marginQuantile : o.marginQuantile(),
                rankTrees != null ? rankTrees : o.rankTrees());
    }
}
