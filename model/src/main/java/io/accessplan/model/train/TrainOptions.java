package io.accessplan.model.train;

import io.accessplan.model.PeakMargins;
import io.accessplan.model.TargetTransform;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run, recorded in the model file and in each Tribuo model's
 * provenance: the trainer's own settings ({@link TrainerOptions}: one record per
 * {@link TrainerKind}) and those every trainer shares. Validated when built: a bad value is
 * rejected with a message that names it.
 *
 * @param trainerOptions the regressor and its settings ({@code null}: XGBoost's defaults)
 * @param seed           random seed of every randomised step (folds, subsampling, sgd order)
 * @param folds          folds of the grouped cross-validation, 0 to {@value #MAX_FOLDS} (0 or 1 disables it)
 * @param timeTransform  step-time target, or {@code null} to let cross-validation choose
 * @param peakTransform  peak-memory target, or {@code null} to let cross-validation choose
 * @param marginQuantile quantile of cross-validated peak under-prediction taken as the memory safety margin, 0.5 to 1
 * @param stepLevel      where step times take their workload level from, or {@code null} to keep the form of
 *                       lower cross-validated step-time MAPE ({@link ModelTrainer}; without cross-validation:
 *                       {@link StepLevel#ABSOLUTE})
 */
public record TrainOptions(TrainerOptions trainerOptions, long seed, int folds, TargetTransform timeTransform,
                           TargetTransform peakTransform, double marginQuantile, StepLevel stepLevel) {
    /** Most cross-validation folds (grouped by architecture: more folds than architectures are cut to their number). */
    public static final int MAX_FOLDS = 100;

    /** Validates every field. */
    public TrainOptions {
        trainerOptions = trainerOptions == null ? TrainerKind.XGBOOST.defaults() : trainerOptions;
        Bounds.check("number of folds", folds, 0, MAX_FOLDS);
        Bounds.check("margin quantile", marginQuantile, 0.5, 1);
    }

    /** Options that let cross-validation choose the step-time level ({@code stepLevel} null). */
    public TrainOptions(TrainerOptions trainerOptions, long seed, int folds, TargetTransform timeTransform,
                        TargetTransform peakTransform, double marginQuantile) {
        this(trainerOptions, seed, folds, timeTransform, peakTransform, marginQuantile, null);
    }

    /**
     * The defaults: XGBoost, 300 trees of depth 6, eta 0.1, 80% row and feature subsampling,
     * 2 threads ({@link XGBoostOptions#DEFAULTS}), seed 42, grouped 5-fold cross-validation, both
     * targets as log ratios to the analytic estimates (the form that learned better when both were
     * measured: see {@link ModelTrainer}; pass {@code null} targets to measure again), safety margins
     * at the 95th percentile of cross-validated peak under-prediction, by the size of the learned
     * correction to the analytic peak ({@link PeakMargins}). With margins by correction size the
     * quantile matters little to the oom rate on the simulated standard sweep (cross-fitted: 0.14%
     * at both 95% and 97%, 0.21% at 90% and 94%), while 95% rather than 97% stops ruling out
     * the fastest strategies near capacity in about 0.5% of workloads (top-1 +0.5 to +0.7 points,
     * mean regret 0.14% to 0.09%); one margin for all rows at 97% had cost 1.9% mean regret.
     */
    public static TrainOptions defaults() {
        return new TrainOptions(XGBoostOptions.DEFAULTS, 42L, 5, TargetTransform.LOG_RATIO, TargetTransform.LOG_RATIO, 0.95);
    }

    /**
     * The options a model file recorded ({@link #hyperparameters()}, read back): the trainer's
     * settings, seed, folds and margin quantile; a setting the file lacks takes its default, and
     * the targets, which the file records on their own, are left to choose ({@code null}).
     */
    public static TrainOptions recorded(Map<String, Object> hyperparameters) {
        RecordedSettings r = new RecordedSettings(hyperparameters);
        TrainOptions d = defaults();
        TrainerKind kind = TrainerKind.parse(r.text("trainer", null));
        return new TrainOptions(kind.recorded(r), r.longInteger("seed", d.seed), r.integer("folds", d.folds), null, null,
                r.number("margin_quantile", d.marginQuantile));
    }

    /** The trainer. */
    public TrainerKind trainer() {
        return trainerOptions.kind();
    }

    /** The XGBoost settings; throws for another trainer, naming it. */
    public XGBoostOptions xgboost() {
        if (trainerOptions instanceof XGBoostOptions x) {
            return x;
        }
        throw new IllegalArgumentException("Trees and rank trees are XGBoost settings; trainer " + trainer()
                + " has none");
    }

    /** These options with another trainer, by name ({@link TrainerKind#parse}), at its defaults. */
    public TrainOptions withTrainer(String name) {
        return withTrainer(TrainerKind.parse(name));
    }

    /** These options with another trainer at its defaults. */
    public TrainOptions withTrainer(TrainerKind t) {
        return withTrainerOptions(t.defaults());
    }

    /** These options with another trainer's settings. */
    public TrainOptions withTrainerOptions(TrainerOptions t) {
        return new TrainOptions(t, seed, folds, timeTransform, peakTransform, marginQuantile, stepLevel);
    }

    /** These options with another tree count and depth (XGBoost). */
    public TrainOptions withTrees(int n, int depth) {
        return withTrainerOptions(xgboost().withTrees(n, depth));
    }

    /** These options with another tree count for the within-workload regressor (XGBoost; 0: as the trees). */
    public TrainOptions withRankTrees(int n) {
        return withTrainerOptions(xgboost().withRankTrees(n));
    }

    /** These options with another fold count (0 skips cross-validation). */
    public TrainOptions withFolds(int k) {
        return new TrainOptions(trainerOptions, seed, k, timeTransform, peakTransform, marginQuantile, stepLevel);
    }

    /** These options with another seed. */
    public TrainOptions withSeed(long s) {
        return new TrainOptions(trainerOptions, s, folds, timeTransform, peakTransform, marginQuantile, stepLevel);
    }

    /** These options with fixed targets ({@code null} lets cross-validation choose). */
    public TrainOptions withTransforms(TargetTransform time, TargetTransform peak) {
        return new TrainOptions(trainerOptions, seed, folds, time, peak, marginQuantile, stepLevel);
    }

    /** These options with a fixed step-time level ({@code null}: the one of lower cross-validated MAPE). */
    public TrainOptions withStepLevel(StepLevel l) {
        return new TrainOptions(trainerOptions, seed, folds, timeTransform, peakTransform, marginQuantile, l);
    }

    /** These options with another tree count for the peak-memory regressor (XGBoost; 0: as the trees). */
    public TrainOptions withPeakTrees(int n) {
        return withTrainerOptions(xgboost().withPeakTrees(n));
    }

    /** These options with another shrinkage (0: as the eta) and tree depth (0: as the depth) for the within-workload regressor (XGBoost). */
    public TrainOptions withRank(double eta, int depth) {
        return withTrainerOptions(xgboost().withRank(eta, depth));
    }

    /** These options with another shrinkage (0: as the eta) and tree depth (0: as the depth) for the peak-memory regressor (XGBoost). */
    public TrainOptions withPeak(double eta, int depth) {
        return withTrainerOptions(xgboost().withPeak(eta, depth));
    }

    /** These options with another tree count and shrinkage for the workload-level step-time regressor (XGBoost). */
    public TrainOptions withLevel(int n, double eta) {
        return withTrainerOptions(xgboost().withLevel(n, eta));
    }

    /** These options with another margin quantile. */
    public TrainOptions withMarginQuantile(double q) {
        return new TrainOptions(trainerOptions, seed, folds, timeTransform, peakTransform, q, stepLevel);
    }

    /**
     * Regressors fitted at once, one thread each ({@code Regressors#fitAll} says why): XGBoost's
     * {@link XGBoostOptions#threads()}, 1 for the other trainers.
     */
    public int threads() {
        return trainerOptions instanceof XGBoostOptions x ? x.threads() : 1;
    }

    /** Boosting rounds of the within-workload regressor (XGBoost). */
    public int effectiveRankTrees() {
        return xgboost().effectiveRankTrees();
    }

    /** The settings that shape the model, by name, as recorded in the model file. */
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainer", trainer().id());
        trainerOptions.describe(m);
        m.put("seed", seed);
        m.put("folds", folds);
        m.put("margin_quantile", marginQuantile);
        return m;
    }
}
