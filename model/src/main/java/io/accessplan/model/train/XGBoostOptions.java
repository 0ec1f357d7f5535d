package io.accessplan.model.train;

import org.tribuo.Trainer;
import org.tribuo.common.xgboost.XGBoostTrainer;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.xgboost.XGBoostRegressionTrainer;

import java.util.Map;

/**
 * The settings of gradient-boosted trees (Chen and Guestrin 2016), XGBoost's own parameters
 * (XGBoost docs, "XGBoost Parameters"), validated against bounds that keep a training run sane
 * on a workstation:
 *
 * @param trees          boosting rounds, 1 to {@value #MAX_TREES}
 * @param rankTrees      boosting rounds of the within-workload step-time regressor, 0 (as {@code trees}) to {@value #MAX_TREES}
 * @param peakTrees      boosting rounds of the peak-memory regressor, 0 (as {@code trees}) to {@value #MAX_TREES}
 * @param maxDepth       tree depth, 1 to {@value #MAX_DEPTH}: a depth-d tree has up to 2^d leaves, and the
 *                       histogram method's memory grows with them
 * @param eta            shrinkage, in (0, 1]
 * @param subsample      row subsample per tree, in (0, 1]
 * @param colsample      feature subsample per tree, in (0, 1]
 * @param minChildWeight minimum hessian in a leaf (rows, for squared error), 0 to {@value #MAX_WEIGHT}
 * @param lambda         L2 regularisation of leaf weights, 0 to {@value #MAX_WEIGHT}
 * @param threads        training threads, 1 to {@value #MAX_THREADS}: regressors fitted at once, one XGBoost thread each
 * @param levelTrees     boosting rounds of the workload-level step-time regressor, 1 to {@value #MAX_TREES}
 *                       (default {@value #LEVEL_TREES})
 * @param levelEta       shrinkage of the workload-level step-time regressor, in (0, 1] (default {@value #LEVEL_ETA})
 * @param peakEta        shrinkage of the peak-memory regressor, in (0, 1], or 0 (as {@code eta})
 * @param peakDepth      tree depth of the peak-memory regressor, 1 to {@value #MAX_DEPTH}, or 0 (as {@code maxDepth})
 * @param rankEta        shrinkage of the within-workload step-time regressor, in (0, 1], or 0 (as {@code eta})
 * @param rankDepth      tree depth of the within-workload step-time regressor, 1 to {@value #MAX_DEPTH}, or 0 (as {@code maxDepth})
 */
public record XGBoostOptions(int trees, int rankTrees, int peakTrees, int maxDepth, double eta, double subsample,
                             double colsample, double minChildWeight, double lambda, int threads, int levelTrees,
                             double levelEta, double peakEta, int peakDepth, double rankEta, int rankDepth)
        implements TrainerOptions {
    /** Most boosting rounds. */
    public static final int MAX_TREES = 5000;
    /** Deepest tree. */
    public static final int MAX_DEPTH = 16;
    /** Largest leaf weight and L2 penalty. */
    public static final double MAX_WEIGHT = 1e6;
    /** Most training threads. */
    public static final int MAX_THREADS = 1024;

    /**
     * Settings of the workload-level step-time regressor ({@code StrategyModel.LEVEL}), which fits
     * one row per workload (about 1,300 in a fold of the simulated standard sweep, against 60,000
     * rows for the others): slower learning and heavier leaves than the others' (150 trees, eta
     * 0.2, min child weight 1 in the bundled model's command), or it fits the workloads' noise. On
     * that sweep's grouped 5-fold CV (seed 42, the rank regressor of that command), its step MAPE
     * by settings (trees, eta, depth, min child weight): 150/0.2/6/1 4.67%, 300/0.05/4/1 4.45%,
     * 600/0.03/3/1 4.63%, 300/0.05/6/5 4.32% (kept), 1000/0.02/4/3 4.32%, 200/0.1/2/1 5.34%; the
     * absolute form it replaces: 4.42%. Chosen on those same folds among these six, so 4.32% is a
     * little optimistic. Row and feature subsampling and lambda are the options' own. The default
     * of {@link #levelTrees()}; ARCHITECTURE.md ("Tree counts and the lookup's cost") has the CV of
     * cheaper settings.
     */
    public static final int LEVEL_TREES = 300;
    /** Shrinkage of the workload-level regressor (see {@link #LEVEL_TREES}), the default of {@link #levelEta()}. */
    public static final double LEVEL_ETA = 0.05;
    /** Tree depth of the workload-level regressor (see {@link #LEVEL_TREES}). */
    public static final int LEVEL_MAX_DEPTH = 6;
    /** Minimum hessian in a leaf of the workload-level regressor: 5 workloads (see {@link #LEVEL_TREES}). */
    public static final double LEVEL_MIN_CHILD_WEIGHT = 5;

    /** The defaults: 300 trees (the within-workload regressor as many) of depth 6, eta 0.1, 80% row and feature subsampling, 2 threads. */
    public static final XGBoostOptions DEFAULTS = new XGBoostOptions(300, 0, 6, 0.1, 0.8, 0.8, 1.0, 1.0, 2);

    /** Validates every field. */
    public XGBoostOptions {
        Bounds.check("number of trees", trees, 1, MAX_TREES);
        Bounds.check("number of rank trees", rankTrees, 0, MAX_TREES);
        Bounds.check("number of peak trees", peakTrees, 0, MAX_TREES);
        Bounds.check("max depth", maxDepth, 1, MAX_DEPTH);
        Bounds.positive("eta", eta, 1);
        Bounds.positive("subsample", subsample, 1);
        Bounds.positive("colsample", colsample, 1);
        Bounds.check("min child weight", minChildWeight, 0, MAX_WEIGHT);
        Bounds.check("lambda", lambda, 0, MAX_WEIGHT);
        Bounds.check("number of threads", threads, 1, MAX_THREADS);
        Bounds.check("number of level trees", levelTrees, 1, MAX_TREES);
        Bounds.positive("level eta", levelEta, 1);
        if (peakEta != 0) {
            Bounds.positive("peak eta", peakEta, 1);
        }
        Bounds.check("peak max depth", peakDepth, 0, MAX_DEPTH);
        if (rankEta != 0) {
            Bounds.positive("rank eta", rankEta, 1);
        }
        Bounds.check("rank max depth", rankDepth, 0, MAX_DEPTH);
    }

    /**
     * Settings whose workload-level regressor has its default settings ({@link #LEVEL_TREES},
     * {@link #LEVEL_ETA}) and whose peak-memory and within-workload regressors learn at {@code eta}
     * and grow trees of {@code maxDepth} ({@link #withLevel}, {@link #withPeak}, {@link #withRank}
     * set those).
     */
    public XGBoostOptions(int trees, int rankTrees, int peakTrees, int maxDepth, double eta, double subsample,
                          double colsample, double minChildWeight, double lambda, int threads) {
        this(trees, rankTrees, peakTrees, maxDepth, eta, subsample, colsample, minChildWeight, lambda, threads,
                LEVEL_TREES, LEVEL_ETA, 0, 0, 0, 0);
    }

    /** Settings whose peak-memory regressor has as many trees as the others ({@code peakTrees} 0). */
    public XGBoostOptions(int trees, int rankTrees, int maxDepth, double eta, double subsample, double colsample,
                          double minChildWeight, double lambda, int threads) {
        this(trees, rankTrees, 0, maxDepth, eta, subsample, colsample, minChildWeight, lambda, threads);
    }

    /**
     * Reads recorded settings; a setting the file lacks takes its default (a file without a level
     * regressor, or written before its settings were options, has {@link #LEVEL_TREES} and {@link #LEVEL_ETA}).
     */
    static XGBoostOptions recorded(RecordedSettings r) {
        XGBoostOptions d = DEFAULTS;
        return new XGBoostOptions(r.integer("trees", d.trees), r.integer("rank_trees", 0), r.integer("peak_trees", 0),
                r.integer("max_depth", d.maxDepth),
                r.number("eta", d.eta), r.number("subsample", d.subsample), r.number("colsample", d.colsample),
                r.number("min_child_weight", d.minChildWeight), r.number("lambda", d.lambda), r.integer("threads", d.threads),
                r.integer("level_trees", LEVEL_TREES), r.number("level_eta", LEVEL_ETA), r.number("peak_eta", 0),
                r.integer("peak_max_depth", 0), r.number("rank_eta", 0), r.integer("rank_max_depth", 0));
    }

    @Override
    public TrainerKind kind() {
        return TrainerKind.XGBOOST;
    }

    /** Boosting rounds of the within-workload regressor. */
    public int effectiveRankTrees() {
        return rankTrees > 0 ? rankTrees : trees;
    }

    /** Boosting rounds of the peak-memory regressor. */
    public int effectivePeakTrees() {
        return peakTrees > 0 ? peakTrees : trees;
    }

    /** Shrinkage of the peak-memory regressor. */
    public double effectivePeakEta() {
        return peakEta > 0 ? peakEta : eta;
    }

    /** Tree depth of the peak-memory regressor. */
    public int effectivePeakDepth() {
        return peakDepth > 0 ? peakDepth : maxDepth;
    }

    /** Shrinkage of the within-workload regressor. */
    public double effectiveRankEta() {
        return rankEta > 0 ? rankEta : eta;
    }

    /** Tree depth of the within-workload regressor. */
    public int effectiveRankDepth() {
        return rankDepth > 0 ? rankDepth : maxDepth;
    }

    /** These settings with another tree count and depth. */
    public XGBoostOptions withTrees(int n, int depth) {
        return new XGBoostOptions(n, rankTrees, peakTrees, depth, eta, subsample, colsample, minChildWeight, lambda,
                threads, levelTrees, levelEta, peakEta, peakDepth, rankEta, rankDepth);
    }

    /** These settings with another tree count for the within-workload regressor (0: as {@link #trees}). */
    public XGBoostOptions withRankTrees(int n) {
        return new XGBoostOptions(trees, n, peakTrees, maxDepth, eta, subsample, colsample, minChildWeight, lambda,
                threads, levelTrees, levelEta, peakEta, peakDepth, rankEta, rankDepth);
    }

    /** These settings with another tree count for the peak-memory regressor (0: as {@link #trees}). */
    public XGBoostOptions withPeakTrees(int n) {
        return new XGBoostOptions(trees, rankTrees, n, maxDepth, eta, subsample, colsample, minChildWeight, lambda,
                threads, levelTrees, levelEta, peakEta, peakDepth, rankEta, rankDepth);
    }

    /** These settings with another shrinkage (0: as {@link #eta}) and depth (0: as {@link #maxDepth}) for the peak-memory regressor. */
    public XGBoostOptions withPeak(double shrinkage, int depth) {
        return new XGBoostOptions(trees, rankTrees, peakTrees, maxDepth, eta, subsample, colsample, minChildWeight,
                lambda, threads, levelTrees, levelEta, shrinkage, depth, rankEta, rankDepth);
    }

    /** These settings with another shrinkage (0: as {@link #eta}) and depth (0: as {@link #maxDepth}) for the within-workload regressor. */
    public XGBoostOptions withRank(double shrinkage, int depth) {
        return new XGBoostOptions(trees, rankTrees, peakTrees, maxDepth, eta, subsample, colsample, minChildWeight,
                lambda, threads, levelTrees, levelEta, peakEta, peakDepth, shrinkage, depth);
    }

    /** These settings with another tree count and shrinkage for the workload-level regressor. */
    public XGBoostOptions withLevel(int n, double shrinkage) {
        return new XGBoostOptions(trees, rankTrees, peakTrees, maxDepth, eta, subsample, colsample, minChildWeight,
                lambda, threads, n, shrinkage, peakEta, peakDepth, rankEta, rankDepth);
    }

    @Override
    public Trainer<Regressor> tribuo(long seed, boolean withinWorkload) {
        return withinWorkload ? trainer(seed, effectiveRankTrees(), effectiveRankEta(), effectiveRankDepth(), minChildWeight)
                : trainer(seed, trees);
    }

    /**
     * The trainer of the peak-memory regressor: {@link #effectivePeakTrees()} rounds of shrinkage
     * {@link #effectivePeakEta()}, depth {@link #effectivePeakDepth()}.
     */
    public Trainer<Regressor> peakTribuo(long seed) {
        return trainer(seed, effectivePeakTrees(), effectivePeakEta(), effectivePeakDepth(), minChildWeight);
    }

    /**
     * The trainer of the workload-level step-time regressor: {@link #levelTrees()} rounds of
     * shrinkage {@link #levelEta()}, depth {@link #LEVEL_MAX_DEPTH}, min child weight {@link #LEVEL_MIN_CHILD_WEIGHT}.
     */
    public Trainer<Regressor> levelTribuo(long seed) {
        return trainer(seed, levelTrees, levelEta, LEVEL_MAX_DEPTH, LEVEL_MIN_CHILD_WEIGHT);
    }

    /** The workload-level regressor's settings, by name, as a model file with it records them. */
    public Map<String, Object> levelSettings() {
        return Map.of("level_trees", levelTrees, "level_eta", levelEta, "level_max_depth", LEVEL_MAX_DEPTH,
                "level_min_child_weight", LEVEL_MIN_CHILD_WEIGHT);
    }

    private Trainer<Regressor> trainer(long seed, int rounds) {
        return trainer(seed, rounds, eta, maxDepth, minChildWeight);
    }

    private Trainer<Regressor> trainer(long seed, int rounds, double shrinkage, int depth, double childWeight) {
        // histogram tree method: an order of magnitude faster than exact greedy on dense features
        // (Chen and Guestrin 2016, section 3.2; XGBoost docs "Tree Methods"). One thread per fit:
        // `threads` fits run at once instead (Regressors#fitAll says why)
        return new XGBoostRegressionTrainer(XGBoostTrainer.BoosterType.GBTREE, XGBoostTrainer.TreeMethod.HIST,
                XGBoostRegressionTrainer.RegressionType.LINEAR, rounds, shrinkage, 0.0,
                depth, childWeight, subsample, colsample, lambda, 0.0, 1,
                XGBoostTrainer.LoggingVerbosity.SILENT, seed);
    }

    @Override
    public void describe(Map<String, Object> m) {
        m.put("trees", trees);
        m.put("rank_trees", effectiveRankTrees());
        if (peakTrees > 0) {
            // recorded only where given, so that files of runs without it read back as they were written
            m.put("peak_trees", peakTrees);
        }
        if (peakEta > 0) {
            m.put("peak_eta", peakEta);
        }
        if (peakDepth > 0) {
            m.put("peak_max_depth", peakDepth);
        }
        if (rankEta > 0) {
            m.put("rank_eta", rankEta);
        }
        if (rankDepth > 0) {
            m.put("rank_max_depth", rankDepth);
        }
        m.put("max_depth", maxDepth);
        m.put("eta", eta);
        m.put("subsample", subsample);
        m.put("colsample", colsample);
        m.put("min_child_weight", minChildWeight);
        m.put("lambda", lambda);
        m.put("threads", threads);
    }
}
