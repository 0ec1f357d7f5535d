package io.accessplan.model.train;

import io.accessplan.model.Choice;
import io.accessplan.model.ModelMetadata;
import io.accessplan.model.Observation;
import io.accessplan.model.PeakMargins;
import io.accessplan.model.Stats;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.TargetTransform;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.model.evaluate.ObjectiveComparison;
import io.accessplan.features.Strategy;
import io.accessplan.features.encode.FeatureEncoder;
import org.tribuo.Model;
import org.tribuo.regression.Regressor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.EnumSet;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Trains a {@link StrategyModel} from measured rows.
 *
 * <ol>
 *   <li>Plan and encode every row once ({@link FeatureEncoder}).</li>
 *   <li>Grouped K-fold cross-validation by architecture ({@link CrossValidation#grouped}): for
 *       each target (step time on rows that fit, peak memory on all rows) and each target form
 *       not fixed by the options ({@link TargetTransform}), out-of-fold predictions; the form of
 *       lower MAPE is kept.</li>
 *   <li>From the kept out-of-fold predictions: the memory safety margins ({@link PeakMargins}: the
 *       {@link TrainOptions#marginQuantile()} quantile of peak under-prediction, measured / predicted
 *       - 1, by the size of the learned correction to the analytic peak), the 5/50/95% residual
 *       quantiles used as uncertainty, and the cross-validation report against the baselines,
 *       choosing by the predictor's own rule ({@link Choice}). The report's margins are
 *       cross-fitted: a held-out fold's choices use margins fitted on the other folds' residuals
 *       only, so its oom rate is not flattered by margins that saw the fold.</li>
 *   <li>Step time is learned within each workload ({@link StrategyModel#RANK}: the learned value
 *       less its workload's mean, so what all strategies of a workload share cancels), which ranks
 *       the strategies, and at one level per workload, in one of two forms ({@link StepLevel}):
 *       the mean over the workload's candidates of an absolute regressor's
 *       ({@link StrategyModel#STEP_TIME}) less the rank's, or one regressor of that workload mean
 *       itself on one row per workload ({@link StrategyModel#LEVEL}). Cross-validation predicts
 *       both on the same folds through the functions a lookup uses
 *       ({@link CrossValidation#stepTimesOutOfFold}); the form of lower step-time MAPE is kept
 *       ({@link TrainOptions#stepLevel()} fixes one), and only its regressors are fitted on every
 *       row. The two forms rank alike, so they choose alike. Ranking within workloads raised
 *       cross-validated top-1 on the simulated standard sweep by about two points over the
 *       absolute regressor alone.</li>
 *   <li>The final regressors on every row; Tribuo records the data source, the trainer and its
 *       settings, and this run's fingerprint and target forms in each model's provenance.</li>
 * </ol>
 * Every batch of independent regressors (the folds', the final ones) is fitted side by side,
 * {@link TrainOptions#threads()} at a time ({@link Regressors#fitAll}); the folds' go straight to
 * XGBoost ({@link DirectXGBoost}). Neither changes a prediction.
 * Without cross-validation (folds 0 or 1, or fewer than two architectures) both targets are log
 * ratios, the margin is {@link #DEFAULT_MARGIN} and the uncertainty is zero-width.
 */
public final class ModelTrainer {
    /** Safety margin when no cross-validation measured one: 3% over the predicted peak. */
    public static final double DEFAULT_MARGIN = 0.03;

    private ModelTrainer() {
    }

    /** Trains, cross-validates and assembles a model. */
    public static TrainResult train(List<Observation> rows, TrainOptions o) {
        return train(rows, o, 1);
    }

    /**
     * As {@link #train(List, TrainOptions)}, with every measured row ({@link MeasuredValidation#measured})
     * counting {@code measuredWeight} times in every fit (the cross-validation's and the final one).
     */
    public static TrainResult train(List<Observation> rows, TrainOptions o, int measuredWeight) {
        if (rows == null || rows.isEmpty()) {
            throw new IllegalArgumentException("Invalid training data: no rows");
        }
        return train(EncodedRows.of(rows), o, measuredWeight);
    }

    /** As {@link #train(List, TrainOptions, int)} on rows already encoded (shared with the run's other reports). */
    public static TrainResult train(EncodedRows d, TrainOptions o, int measuredWeight) {
        long t0 = System.nanoTime();
        List<Observation> rows = d.rows;
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("Invalid training data: no rows");
        }
        if (d.usable(IntStream.range(0, d.size()).toArray(), true).length == 0) {
            throw new IllegalArgumentException("Invalid training data: no row has a step time (every row ran out of memory)");
        }
        String fingerprint = fingerprint(rows);
        long archs = rows.stream().map(r -> r.workload().architectureId()).distinct().count();
        Map<String, Double> transformMape = new LinkedHashMap<>();
        TargetTransform tt = o.timeTransform() != null ? o.timeTransform() : TargetTransform.LOG_RATIO;
        TargetTransform pt = o.peakTransform() != null ? o.peakTransform() : TargetTransform.LOG_RATIO;
        double margin = DEFAULT_MARGIN;
        Map<String, Double> policyMargins = new LinkedHashMap<>();
        PeakMargins peakMargins = null;
        double[] tq = {0, 0, 0};
        double[] pq = {0, 0, 0};
        EvaluationReport cv = null;
        double energyMape = Double.NaN;
        ObjectiveComparison objectives = null;
        int[] energyRows = EnergyTraining.rows(d, IntStream.range(0, d.size()).toArray());
        boolean learnsEnergy = energyRows.length >= EnergyTraining.MIN_ROWS;
        // the three-regressor energy form unless cross-validation finds time x power alone closer
        boolean energyOfThree = true;
        // without cross-validation to compare them, the level of the absolute regressor, as before
        StepLevel form = o.stepLevel() != null ? o.stepLevel() : StepLevel.ABSOLUTE;
        // the kept time target's step MAPE in each level form predicted, on the same folds
        Map<String, Double> levelMapes = new LinkedHashMap<>();
        if (o.folds() >= 2 && archs >= 2) {
            List<CrossValidation.Fold> folds = CrossValidation.grouped(rows, (int) Math.min(o.folds(), archs),
                    o.seed()).stream().map(f -> new CrossValidation.Fold(f.name(), d.weighted(f.train(), measuredWeight),
                    f.test())).toList();
            Set<StepLevel> forms = o.stepLevel() != null ? EnumSet.of(o.stepLevel()) : EnumSet.allOf(StepLevel.class);
            Map<TargetTransform, StepLevel> formOf = new java.util.EnumMap<>(TargetTransform.class);
            Map<TargetTransform, Map<String, Double>> formMapes = new java.util.EnumMap<>(TargetTransform.class);
            Chosen time = choose(d, true, candidates(o.timeTransform()), tt, transformMape, cand -> {
                Map<StepLevel, double[]> byForm = CrossValidation.stepTimesOutOfFold(d, folds, o, cand, forms);
                Map<String, Double> m = new LinkedHashMap<>();
                StepLevel f = bestForm(d, byForm, m);
                formOf.put(cand, f);
                formMapes.put(cand, m);
                return byForm.get(f);
            });
            Chosen peak = choose(d, false, candidates(o.peakTransform()), pt, transformMape,
                    cand -> CrossValidation.outOfFold(d, folds, o, false, cand));
            tt = time.transform();
            pt = peak.transform();
            form = formOf.getOrDefault(tt, form);
            levelMapes.putAll(formMapes.getOrDefault(tt, Map.of()));
            double[] bestT = time.outOfFold();
            double[] bestP = peak.outOfFold();
            double[] under = logResiduals(d, bestP, false);
            double[] ratio = new double[under.length];
            for (int i = 0; i < under.length; i++) {
                ratio[i] = Math.exp(under[i]) - 1;
            }
            margin = Math.max(0, Stats.quantile(ratio, o.marginQuantile()));
            // the estimator's peak is closer for some policies than others (Estimator: exact model
            // state, estimated activations and working set), so each policy gets its own margin
            // where it has enough rows for the quantile to mean something
            policyMargins = policyMargins(d, bestP, o.marginQuantile());
            double[] tr = logResiduals(d, bestT, true);
            tq = new double[]{Stats.quantile(tr, 0.05), Stats.quantile(tr, 0.5), Stats.quantile(tr, 0.95)};
            pq = new double[]{Stats.quantile(under, 0.05), Stats.quantile(under, 0.5), Stats.quantile(under, 0.95)};
            int[] every = IntStream.range(0, d.size()).toArray();
            peakMargins = PeakMargins.fit(d.peaks(), bestP, d.analyticPeak, d.strategies(), every, o.marginQuantile());
            double[] perRow = CrossValidation.crossFittedMargins(d, bestP, folds, o.marginQuantile());
            cv = Evaluator.report(d.rows, d.exactPlans(), bestT, bestP, perRow, Stats.mean(perRow));
            if (learnsEnergy) {
                EnergyTraining.OutOfFold eo = EnergyTraining.outOfFold(d, folds, o, Map.of());
                double[] ofThree = EnergyTraining.energy(d, bestT, eo);
                double[] product = EnergyTraining.product(bestT, eo);
                double mapeThree = EnergyTraining.mape(d, ofThree);
                double mapeProduct = EnergyTraining.mape(d, product);
                transformMape.put(EnergyTraining.FORM_PRODUCT, mapeProduct);
                transformMape.put(EnergyTraining.FORM_OF_THREE, mapeThree);
                energyOfThree = !(mapeProduct < mapeThree);
                double[] energyOof = energyOfThree ? ofThree : product;
                energyMape = energyOfThree ? mapeThree : mapeProduct;
                objectives = ObjectiveComparison.of(d.rows, bestT, bestP, perRow, energyOof);
            }
        }
        int[] all = d.weighted(IntStream.range(0, d.size()).toArray(), measuredWeight);
        int[] timeRows = d.usable(all, true);
        int[] peakRows = d.usable(all, false);
        Map<String, String> run = new LinkedHashMap<>();
        run.put("data_fingerprint", fingerprint);
        run.put("feature_schema_version", Integer.toString(FeatureEncoder.schemaVersion()));
        run.put("target_transform", tt.id());
        Map<String, String> timeRun = Map.copyOf(run);
        run.put("target_transform", pt.id());
        // the final regressors are independent: fitted side by side (Regressors#fitAll)
        boolean absolute = form == StepLevel.ABSOLUTE;
        List<Regressors.Job> jobs = new ArrayList<>(List.of(
                absolute ? new Regressors.Job(false, StrategyModel.STEP_TIME, d.names, d.features(timeRows),
                        d.target(timeRows, true, tt), timeRun) : CrossValidation.levelJob(d, timeRows, tt, timeRun),
                CrossValidation.rankJob(d, timeRows, tt, timeRun),
                new Regressors.Job(false, StrategyModel.PEAK_MEMORY, d.names, d.features(peakRows),
                        d.target(peakRows, false, pt), Map.copyOf(run))));
        if (learnsEnergy) {
            jobs.add(EnergyTraining.job(d, energyRows, run));
            if (energyOfThree) {
                jobs.add(EnergyTraining.levelJob(d, energyRows, run));
                jobs.add(EnergyTraining.withinJob(d, energyRows, run));
            }
        }
        List<Model<Regressor>> fitted = Regressors.fitAll(o, jobs);
        Model<Regressor> timeModel = absolute ? fitted.get(0) : null;
        Model<Regressor> levelModel = absolute ? null : fitted.get(0);
        Model<Regressor> rankModel = fitted.get(1);
        Model<Regressor> peakModel = fitted.get(2);
        Model<Regressor> energyModel = learnsEnergy ? fitted.get(3) : null;
        Model<Regressor> energyLevelModel = learnsEnergy && energyOfThree ? fitted.get(4) : null;
        Model<Regressor> energyWithinModel = learnsEnergy && energyOfThree ? fitted.get(5) : null;
        Map<String, Object> cvMap = new LinkedHashMap<>();
        if (cv != null) {
            cv.model().toMap().forEach((k, v) -> cvMap.put(k, v));
            transformMape.forEach((k, v) -> cvMap.put("mape " + k, v));
            cvMap.putAll(levelMapes);
            if (!Double.isNaN(energyMape)) {
                cvMap.put("energy_mape", energyMape);
            }
            if (objectives != null) {
                cvMap.putAll(objectives.toMetadata());
            }
        }
        Map<String, Object> hyper = o.hyperparameters();
        if (levelModel != null && o.trainerOptions() instanceof XGBoostOptions x) {
            hyper.putAll(new java.util.TreeMap<>(x.levelSettings()));
        }
        ModelMetadata meta = new ModelMetadata(FeatureEncoder.schemaVersion(), d.names, candidates(rows), fingerprint,
                rows.size(), tt, pt, margin, policyMargins, peakMargins, tq, pq, hyper, Instant.now().toString(), cvMap);
        StrategyModel model = new StrategyModel(meta, timeModel, peakModel, rankModel, energyModel, energyLevelModel,
                energyWithinModel, levelModel);
        return new TrainResult(model, cv, transformMape, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Key prefix, in the model's cross-validation figures ({@code ModelMetadata#crossValidation()}),
     * of the grouped-CV step-time MAPE of each level form, on the same folds, with the kept time target.
     */
    public static final String LEVEL_MAPE = "step_time_mape level/";

    /**
     * Key prefix of each level form's cross-validated step-time MAPE over the measured rows alone
     * ({@link MeasuredValidation#measured}), recorded where the data has some.
     */
    public static final String LEVEL_MAPE_MEASURED = "step_time_mape level measured/";

    /**
     * The level form of lower cross-validated step-time MAPE among those predicted (absolute where
     * equal: the form files had before), recording each form's MAPE under {@link #LEVEL_MAPE}{@code <form>}.
     * Where some rows are measured, the forms are compared on those rows' out-of-fold predictions
     * alone (recorded under {@link #LEVEL_MAPE_MEASURED}{@code <form>}): a measured row is the truth
     * for its card, and a card's few dozen measured workloads weigh next to nothing in a MAPE pooled
     * with its twin's thousands of simulated ones.
     */
    static StepLevel bestForm(EncodedRows d, Map<StepLevel, double[]> byForm, Map<String, Double> mapes) {
        boolean[] measured = new boolean[d.size()];
        boolean anyMeasured = false;
        for (int i = 0; i < d.size(); i++) {
            measured[i] = MeasuredValidation.measured(d.rows.get(i));
            anyMeasured |= measured[i];
        }
        StepLevel best = null;
        double bestMape = Double.POSITIVE_INFINITY;
        for (Map.Entry<StepLevel, double[]> e : byForm.entrySet()) {
            double m = mape(d, e.getValue(), true);
            mapes.put(LEVEL_MAPE + e.getKey().id(), m);
            if (anyMeasured) {
                double[] only = e.getValue().clone();
                for (int i = 0; i < only.length; i++) {
                    if (!measured[i]) {
                        only[i] = Double.NaN;
                    }
                }
                m = mape(d, only, true);
                mapes.put(LEVEL_MAPE_MEASURED + e.getKey().id(), m);
            }
            if (best == null || m < bestMape) {
                best = e.getKey();
                bestMape = m;
            }
        }
        return best;
    }

    /** The step-time level form of a model: {@link StepLevel#REGRESSOR} where it has {@link StrategyModel#LEVEL}. */
    public static StepLevel form(StrategyModel m) {
        return m.levelModel() != null ? StepLevel.REGRESSOR : StepLevel.ABSOLUTE;
    }

    /** A target form and its out-of-fold predictions. */
    private record Chosen(TargetTransform transform, double[] outOfFold) {
    }

    /**
     * The target form with the lowest cross-validated MAPE among the candidates (the first of
     * equals; {@code fallback} without predictions if none has a MAPE), recording every
     * candidate's MAPE under {@code target/form}.
     */
    private static Chosen choose(EncodedRows d, boolean time, List<TargetTransform> candidates,
                                 TargetTransform fallback, Map<String, Double> mapes,
                                 Function<TargetTransform, double[]> outOfFold) {
        Chosen best = new Chosen(fallback, null);
        double bestMape = Double.POSITIVE_INFINITY;
        for (TargetTransform cand : candidates) {
            double[] p = outOfFold.apply(cand);
            double m = mape(d, p, time);
            mapes.put((time ? StrategyModel.STEP_TIME : StrategyModel.PEAK_MEMORY) + "/" + cand.id(), m);
            if (m < bestMape) {
                bestMape = m;
                best = new Chosen(cand, p);
            }
        }
        return best;
    }

    /** Rows of one policy needed before it gets its own margin. */
    static final int MIN_ROWS_PER_POLICY_MARGIN = 200;

    private static Map<String, Double> policyMargins(EncodedRows d, double[] predPeak, double q) {
        Map<String, List<Double>> by = new LinkedHashMap<>();
        for (int i = 0; i < d.size(); i++) {
            double y = d.peak(i);
            if (Double.isNaN(predPeak[i]) || !(y > 0) || !(predPeak[i] > 0)) {
                continue;
            }
            by.computeIfAbsent(d.rows.get(i).strategy().policy().id(), k -> new ArrayList<>()).add(y / predPeak[i] - 1);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        by.forEach((policy, l) -> {
            if (l.size() >= MIN_ROWS_PER_POLICY_MARGIN) {
                out.put(policy, Math.max(0, Stats.quantile(l.stream().mapToDouble(Double::doubleValue).toArray(), q)));
            }
        });
        return out;
    }

    private static List<TargetTransform> candidates(TargetTransform fixed) {
        return fixed != null ? List.of(fixed) : List.of(TargetTransform.LOG_RATIO, TargetTransform.LOG);
    }

    private static double mape(EncodedRows d, double[] pred, boolean time) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < d.size(); i++) {
            if (Double.isNaN(pred[i]) || (time && !d.rows.get(i).fits())) {
                continue;
            }
            double y = time ? d.stepTime(i) : d.peak(i);
            if (y > 0) {
                sum += Math.abs(pred[i] - y) / y;
                n++;
            }
        }
        return n == 0 ? Double.POSITIVE_INFINITY : sum / n;
    }

    /** ln(measured / predicted) over rows with both. */
    private static double[] logResiduals(EncodedRows d, double[] pred, boolean time) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            if (Double.isNaN(pred[i]) || (time && !d.rows.get(i).fits())) {
                continue;
            }
            double y = time ? d.stepTime(i) : d.peak(i);
            if (y > 0 && pred[i] > 0) {
                out.add(Math.log(y / pred[i]));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The strategies present in the rows, in canonical order. */
    static List<String> candidates(List<Observation> rows) {
        Set<Strategy> seen = new HashSet<>();
        for (Observation r : rows) {
            seen.add(r.strategy());
        }
        return Strategy.all().stream().filter(seen::contains).map(Strategy::toString).toList();
    }

    /**
     * SHA-256 over the sorted canonical lines of the rows (workload, strategy, backend, step time,
     * peak, oom): the same data in any order gives the same fingerprint.
     */
    public static String fingerprint(List<Observation> rows) {
        List<String> lines = new ArrayList<>(rows.size());
        for (Observation r : rows) {
            var m = r.measurement();
            lines.add(r.workload().canonical() + "|" + r.strategy() + "|" + m.backend() + "|"
                    + Double.doubleToLongBits(m.stepTimeMs()) + "|" + m.peakMemoryBytes() + "|" + m.oom());
        }
        lines.sort(null);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String l : lines) {
                md.update(l.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            StringBuilder b = new StringBuilder();
            for (byte x : md.digest()) {
                b.append(String.format("%02x", x));
            }
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
