package io.accessplan.model.train;

import io.accessplan.model.PeakMargins;
import io.accessplan.model.TargetTransform;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run, recorded in the model file and in each Tribuo model's
 * provenance. Validated when built: a bad value is rejected with a message that names it.
 *
 * @param trainer        the regressor ({@link TrainerKind}; {@code null}: xgboost)
 * @param trees          boosting rounds (xgboost)
 * @param maxDepth       tree depth (xgboost, cart)
 * @param eta            learning rate (xgboost: shrinkage; sgd: AdaGrad rate)
 * @param subsample      row subsample per tree (xgboost)
 * @param colsample      feature subsample per tree (xgboost)
 * @param minChildWeight minimum hessian (xgboost) or weight (cart) in a leaf
 * @param lambda         L2 regularisation of leaf weights (xgboost)
 * @param epochs         passes over the data (sgd)
 * @param threads        training threads: regressors fitted at once, one thread each (xgboost)
 * @param seed           random seed of every randomised step (folds, subsampling, sgd order)
 * @param folds          folds of the grouped cross-validation (0 or 1 disables it)
 * @param timeTransform  step-time target, or {@code null} to let cross-validation choose
 * @param peakTransform  peak-memory target, or {@code null} to let cross-validation choose
 * @param marginQuantile quantile of cross-validated peak under-prediction taken as the memory safety margin
 * @param rankTrees      boosting rounds of the within-workload step-time regressor (xgboost), 0 for {@code trees}
 */
public record TrainOptions(TrainerKind trainer, int trees, int maxDepth, double eta, double subsample, double colsample,
                           double minChildWeight, double lambda, int epochs, int threads, long seed, int folds,
                           TargetTransform timeTransform, TargetTransform peakTransform, double marginQuantile,
                           int rankTrees) {

    /** Validates every field. */
    public TrainOptions {
        trainer = trainer == null ? TrainerKind.XGBOOST : trainer;
        if (trees < 1) {
            throw new IllegalArgumentException("Invalid number of trees: " + trees);
        }
        if (maxDepth < 1 || maxDepth > 32) {
            throw new IllegalArgumentException("Invalid max depth: " + maxDepth);
        }
        if (!(eta > 0 && eta <= 1)) {
            throw new IllegalArgumentException("Invalid eta: " + eta);
        }
        if (!(subsample > 0 && subsample <= 1)) {
            throw new IllegalArgumentException("Invalid subsample: " + subsample);
        }
        if (!(colsample > 0 && colsample <= 1)) {
            throw new IllegalArgumentException("Invalid colsample: " + colsample);
        }
        if (!(minChildWeight >= 0)) {
            throw new IllegalArgumentException("Invalid min child weight: " + minChildWeight);
        }
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("Invalid lambda: " + lambda);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("Invalid number of epochs: " + epochs);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("Invalid number of threads: " + threads);
        }
        if (folds < 0) {
            throw new IllegalArgumentException("Invalid number of folds: " + folds);
        }
        if (rankTrees < 0) {
            throw new IllegalArgumentException("Invalid number of rank trees: " + rankTrees);
        }
        if (!(marginQuantile >= 0.5 && marginQuantile <= 1)) {
            throw new IllegalArgumentException("Invalid margin quantile: " + marginQuantile + " (expected 0.5 to 1)");
        }
    }

    /**
     * The defaults: XGBoost, 300 trees of depth 6, eta 0.1, 80% row and feature subsampling,
     * 2 threads, seed 42, grouped 5-fold cross-validation, both targets as log ratios to the
     * analytic estimates (the form that learned better when both were measured: see
     * {@link ModelTrainer}; pass {@code null} targets to measure again), safety margins at the
     * 95th percentile of cross-validated peak under-prediction, by the size of the learned
     * correction to the analytic peak ({@link PeakMargins}). With margins by correction size the
     * quantile matters little to the oom rate on the simulated standard sweep (cross-fitted: 0.14%
     * at both 95% and 97%, 0.21% at 90% and 94%), while 95% rather than 97% stops ruling out
     * the fastest strategies near capacity in about 0.5% of workloads (top-1 +0.5 to +0.7 points,
     * mean regret 0.14% to 0.09%); one margin for all rows at 97% had cost 1.9% mean regret.
     */
    public static TrainOptions defaults() {
        return new TrainOptions(TrainerKind.XGBOOST, 300, 6, 0.1, 0.8, 0.8, 1.0, 1.0, 20, 2, 42L, 5, TargetTransform.LOG_RATIO,
                TargetTransform.LOG_RATIO, 0.95, 0);
    }

    /** These options with another trainer, by name ({@link TrainerKind#parse}). */
    public TrainOptions withTrainer(String name) {
        return withTrainer(TrainerKind.parse(name));
    }

    /** These options with another trainer; depth, leaf weight and rate move to that trainer's defaults. */
    public TrainOptions withTrainer(TrainerKind t) {
        return t.defaults(new TrainOptions(t, trees, maxDepth, eta, subsample, colsample, minChildWeight, lambda,
                epochs, threads, seed, folds, timeTransform, peakTransform, marginQuantile, rankTrees));
    }

    /** These options with another depth, rate and minimum leaf weight (a trainer's own defaults). */
    TrainOptions withShape(int depth, double rate, double minLeafWeight) {
        return new TrainOptions(trainer, trees, depth, rate, subsample, colsample, minLeafWeight, lambda, epochs, threads,
                seed, folds, timeTransform, peakTransform, marginQuantile, rankTrees);
    }

    /** These options with another tree count and depth. */
    public TrainOptions withTrees(int n, int depth) {
        return new TrainOptions(trainer, n, depth, eta, subsample, colsample, minChildWeight, lambda, epochs, threads,
                seed, folds, timeTransform, peakTransform, marginQuantile, rankTrees);
    }

    /** These options with another fold count (0 skips cross-validation). */
    public TrainOptions withFolds(int k) {
        return new TrainOptions(trainer, trees, maxDepth, eta, subsample, colsample, minChildWeight, lambda, epochs,
                threads, seed, k, timeTransform, peakTransform, marginQuantile, rankTrees);
    }

    /** These options with another seed. */
    public TrainOptions withSeed(long s) {
        return new TrainOptions(trainer, trees, maxDepth, eta, subsample, colsample, minChildWeight, lambda, epochs,
                threads, s, folds, timeTransform, peakTransform, marginQuantile, rankTrees);
    }

    /** These options with fixed targets ({@code null} lets cross-validation choose). */
    public TrainOptions withTransforms(TargetTransform time, TargetTransform peak) {
        return new TrainOptions(trainer, trees, maxDepth, eta, subsample, colsample, minChildWeight, lambda, epochs,
                threads, seed, folds, time, peak, marginQuantile, rankTrees);
    }

    /** These options with another tree count for the within-workload regressor (0: as {@link #trees}). */
    public TrainOptions withRankTrees(int n) {
        return new TrainOptions(trainer, trees, maxDepth, eta, subsample, colsample, minChildWeight, lambda, epochs,
                threads, seed, folds, timeTransform, peakTransform, marginQuantile, n);
    }

    /** These options with another margin quantile. */
    public TrainOptions withMarginQuantile(double q) {
        return new TrainOptions(trainer, trees, maxDepth, eta, subsample, colsample, minChildWeight, lambda, epochs,
                threads, seed, folds, timeTransform, peakTransform, q, rankTrees);
    }

    /** Boosting rounds of the within-workload regressor. */
    public int effectiveRankTrees() {
        return rankTrees > 0 ? rankTrees : trees;
    }

    /** The settings that shape the model, by name, as recorded in the model file. */
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainer", trainer.id());
        trainer.describe(this, m);
        m.put("seed", seed);
        m.put("folds", folds);
        m.put("margin_quantile", marginQuantile);
        return m;
    }
}
