package io.accessplan.model;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.AtomicFiles;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.plan.Plan;
import org.tribuo.Model;
import org.tribuo.regression.Regressor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained accessplan model: Tribuo regressors of step time (within each workload where the file
 * has it: {@link #RANK}, at a level from {@link #LEVEL} or from the absolute {@link #STEP_TIME})
 * and of peak memory over the features of
 * {@link FeatureEncoder}, their compiled serving form, and the {@link ModelMetadata} that says how
 * to read their outputs. Immutable and thread-safe; {@link #predict} never calls into Tribuo for
 * XGBoost models (see {@link CompiledEnsemble}).
 *
 * <p>This class and everything it loads avoid the datasets module, Parquet and Hadoop.
 */
public final class StrategyModel {
    /** Name of the step-time regressor in the model file. */
    public static final String STEP_TIME = "step_time";
    /** Name of the peak-memory regressor in the model file. */
    public static final String PEAK_MEMORY = "peak_memory";
    /**
     * Name of the within-workload step-time regressor in the model file: it learns a strategy's
     * step-time target less the mean of its workload's (training's relative target), so the job
     * noise and the workload-level error shared by all strategies of a workload cancel and the
     * trees spend themselves on how strategies differ. A prediction takes its ranking from it and
     * its level from {@link #LEVEL} where the file has it, else from {@link #STEP_TIME}: for the
     * candidates of a workload, learned value = rank + mean over the candidates of (absolute -
     * rank) ({@link #absoluteLevel}). Files written before it have none; their step times are the
     * absolute regressor's.
     */
    public static final String RANK = "step_time_within_workload";
    /**
     * Name of the workload-level step-time regressor in the model file: the mean over a workload's
     * fitting rows of their step-time targets (the very mean {@link #RANK}'s target subtracts),
     * learned on one row per workload, that of {@link #LEVEL_STRATEGY}. Where a file has it, a
     * prediction's level is its output for that one row and the file has no {@link #STEP_TIME}
     * regressor: a lookup walks the rank and peak forests over the candidates and this one over
     * one row, instead of the absolute forest over every candidate. Files without it are served
     * as they were written.
     */
    public static final String LEVEL = "step_time_level";
    /**
     * The strategy whose feature row stands for its workload in {@link #LEVEL}: {@code keep} with
     * one micro-batch and the optimizer on the device, the plain training step. Every workload of
     * every family has it (selective, say, is not a candidate of {@code mlp}), and its analytic
     * features (FLOPs, bytes, activation memory over capacity) are the workload's own, with
     * nothing a strategy adds; whether it fits is itself a feature (its analytic peak over capacity).
     */
    public static final Strategy LEVEL_STRATEGY = Strategy.parse("keep");
    /**
     * Name of the energy regressor in the model file: the log of a step's mean power,
     * {@code ln(energy_j / step_time_ms)}; a predicted energy is the predicted step time times
     * that power. Files written before it, or trained on rows without energy, have none: their
     * energies are NaN and an energy objective is refused.
     */
    public static final String ENERGY = "energy_mean_power";
    /**
     * Name of the direct energy regressor in the model file: {@code ln(energy_j / analytic step
     * estimate_ms)}. A file has it together with {@link #ENERGY_WITHIN} (and {@link #ENERGY}) or
     * not at all; with them a predicted energy is the geometric mean of three estimates
     * ({@link #energyJ}); files with {@link #ENERGY} alone predict step time times mean power, as
     * they were written to.
     */
    public static final String ENERGY_LEVEL = "energy_direct";
    /**
     * Name of the within-workload energy regressor in the model file: the direct target less the
     * mean of its workload's, placed at {@link #ENERGY_LEVEL}'s level over the workload's
     * candidates as {@link #RANK} is at {@link #STEP_TIME}'s.
     */
    public static final String ENERGY_WITHIN = "energy_within_workload";

    private final ModelMetadata metadata;
    private final Model<Regressor> timeModel;
    private final Model<Regressor> peakModel;
    private final Model<Regressor> rankModel;
    private final CompiledEnsemble ensemble;
    private final FastRegressor rank;
    private final Model<Regressor> energyModel;
    private final FastRegressor energy;
    private final Model<Regressor> energyLevelModel;
    private final Model<Regressor> energyWithinModel;
    /** The workload-level step-time regressor ({@link #LEVEL}), or null (levels from {@link #STEP_TIME}). */
    private final Model<Regressor> levelModel;
    private final FastRegressor level;
    /** The encoder of the feature layout the file records ({@link FeatureEncoder#of}). */
    private final FeatureEncoder encoder;
    /**
     * The step-time, peak-memory and within-workload regressors (the first absent from files with
     * {@link #LEVEL}, the last from files without {@link #RANK}) as one {@link ForestGroup}: a
     * lookup's rows are prepared once for all of them ({@link #walk}).
     */
    private final ForestGroup group;
    private final ForestGroup energyGroup;
    private final List<Strategy> candidates;
    /** {@link #safetyMargin(Strategy)} by activation policy ordinal: no map lookup per prediction. */
    private final double[] marginByPolicy;
    /** exp of the residual quantiles (5%, 95%): the interval factors, the same for every prediction. */
    private final double timeLowFactor;
    private final double timeHighFactor;
    private final double peakLowFactor;
    private final double peakHighFactor;

    /** Assembles a model without a within-workload regressor (step times from the absolute one alone). */
    public StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel) {
        this(metadata, timeModel, peakModel, null);
    }

    /**
     * Assembles a model; the metadata's feature names must be those of the encoder of its schema version.
     * {@code rankModel} ({@link #RANK}) may be null.
     */
    public StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel,
                         Model<Regressor> rankModel) {
        this(metadata, timeModel, peakModel, rankModel, null);
    }

    /**
     * Assembles a model with an energy regressor ({@link #ENERGY}, may be null: no energy
     * predictions).
     */
    public StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel,
                         Model<Regressor> rankModel, Model<Regressor> energyModel) {
        this(metadata, timeModel, peakModel, rankModel, energyModel, null, null);
    }

    /**
     * Assembles a model with the three energy regressors: {@link #ENERGY} (may be null: no energy
     * predictions), {@link #ENERGY_LEVEL} and {@link #ENERGY_WITHIN} (both null: energies are step
     * time times mean power; both or neither, and only beside {@link #ENERGY}).
     */
    public StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel,
                         Model<Regressor> rankModel, Model<Regressor> energyModel, Model<Regressor> energyLevelModel,
                         Model<Regressor> energyWithinModel) {
        this(metadata, timeModel, peakModel, rankModel, energyModel, energyLevelModel, energyWithinModel, null, false);
    }

    /**
     * Assembles a model with every regressor a file may hold; with a workload-level step-time
     * regressor ({@link #LEVEL}, may be null) the absolute one ({@code timeModel}) is null and the
     * within-workload one ({@link #RANK}) is given; without it the absolute one is given.
     */
    public StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel,
                         Model<Regressor> rankModel, Model<Regressor> energyModel, Model<Regressor> energyLevelModel,
                         Model<Regressor> energyWithinModel, Model<Regressor> levelModel) {
        this(metadata, timeModel, peakModel, rankModel, energyModel, energyLevelModel, energyWithinModel, levelModel,
                false);
    }

    private StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel,
                          Model<Regressor> rankModel, Model<Regressor> energyModel, Model<Regressor> energyLevelModel,
                          Model<Regressor> energyWithinModel, Model<Regressor> levelModel, boolean reference) {
        if (peakModel == null || (levelModel == null ? timeModel == null : timeModel != null || rankModel == null)) {
            throw new IllegalArgumentException("a model has " + PEAK_MEMORY + " and either " + STEP_TIME + " or "
                    + LEVEL + " with " + RANK + " (this file has " + (timeModel == null ? "no " : "") + STEP_TIME
                    + ", " + (levelModel == null ? "no " : "") + LEVEL + ", " + (rankModel == null ? "no " : "")
                    + RANK + ", " + (peakModel == null ? "no " : "") + PEAK_MEMORY + ")");
        }
        if ((energyLevelModel == null) != (energyWithinModel == null)
                || (energyLevelModel != null && energyModel == null)) {
            throw new IllegalArgumentException("the energy regressors " + ENERGY_LEVEL + " and " + ENERGY_WITHIN
                    + " come together and beside " + ENERGY + " (this file has "
                    + (energyModel == null ? "no " : "") + ENERGY + ", " + (energyLevelModel == null ? "no " : "")
                    + ENERGY_LEVEL + ", " + (energyWithinModel == null ? "no " : "") + ENERGY_WITHIN + ")");
        }
        this.encoder = FeatureEncoder.encodes(metadata.schemaVersion()) ? FeatureEncoder.of(metadata.schemaVersion())
                : null;
        if (encoder == null || !metadata.featureNames().equals(encoder.names())) {
            throw new IllegalArgumentException("Model features (schema version " + metadata.schemaVersion()
                    + ") differ from this build's encoder (schema version " + FeatureEncoder.schemaVersion()
                    + "): retrain the model");
        }
        this.metadata = metadata;
        this.timeModel = timeModel;
        this.peakModel = peakModel;
        this.rankModel = rankModel;
        this.ensemble = CompiledEnsemble.of(timeModel, peakModel, encoder.names());
        this.rank = rankModel == null ? null : CompiledEnsemble.compile(rankModel, encoder.names());
        this.levelModel = levelModel;
        this.level = levelModel == null ? null : served(CompiledEnsemble.compile(levelModel, encoder.names()), reference);
        this.energyModel = energyModel;
        this.energy = energyModel == null ? null : CompiledEnsemble.compile(energyModel, encoder.names());
        FastRegressor p = served(ensemble.peak(), reference);
        this.group = timeModel == null ? ForestGroup.of(p, served(rank, reference))
                : rank == null ? ForestGroup.of(served(ensemble.time(), reference), p)
                : ForestGroup.of(served(ensemble.time(), reference), p, served(rank, reference));
        this.energyLevelModel = energyLevelModel;
        this.energyWithinModel = energyWithinModel;
        this.energyGroup = energy == null ? null : energyLevelModel == null ? ForestGroup.of(served(energy, reference))
                : ForestGroup.of(served(energy, reference),
                served(CompiledEnsemble.compile(energyLevelModel, encoder.names()), reference),
                served(CompiledEnsemble.compile(energyWithinModel, encoder.names()), reference));
        this.candidates = metadata.candidates().stream().map(Strategy::parse).toList();
        ActivationPolicy[] policies = ActivationPolicy.values();
        this.marginByPolicy = new double[policies.length];
        for (ActivationPolicy a : policies) {
            marginByPolicy[a.ordinal()] = metadata.policyMargins().getOrDefault(a.id(), metadata.safetyMargin());
        }
        double[] tq = metadata.timeResidualQuantiles();
        double[] pq = metadata.peakResidualQuantiles();
        if (tq.length != 3 || pq.length != 3 || !java.util.Arrays.stream(tq).allMatch(Double::isFinite)
                || !java.util.Arrays.stream(pq).allMatch(Double::isFinite)) {
            throw new IllegalArgumentException("Invalid residual quantiles: " + java.util.Arrays.toString(tq) + ", "
                    + java.util.Arrays.toString(pq) + " (expected three finite numbers each)");
        }
        for (double margin : marginByPolicy) {
            if (!(margin >= 0 && margin < 10)) {
                throw new IllegalArgumentException("Invalid safety margin: " + margin + " (expected a fraction in [0, 10))");
            }
        }
        this.timeLowFactor = Math.exp(tq[0]);
        this.timeHighFactor = Math.exp(tq[2]);
        this.peakLowFactor = Math.exp(pq[0]);
        this.peakHighFactor = Math.exp(pq[2]);
    }

    /** A regressor as a group serves it: itself, or for the reference, a flat forest's linked walk. */
    private static FastRegressor served(FastRegressor r, boolean reference) {
        return reference && r instanceof FlatForest f ? f.linkedOnly() : r;
    }

    /**
     * The same model with every flat forest served by XGBoost's own linked walk, one row at a
     * time, as {@link FlatForest#predictLinked}: the reference that the tests compare the served
     * traversals with (several times slower; not for serving).
     */
    public StrategyModel withReferenceServing() {
        return new StrategyModel(metadata, timeModel, peakModel, rankModel, energyModel, energyLevelModel,
                energyWithinModel, levelModel, true);
    }

    /**
     * The same regressors, every one the file has, under other metadata (training's figures added,
     * say), served as usual: what a caller that copied them by hand could drop one of.
     */
    public StrategyModel withMetadata(ModelMetadata other) {
        return new StrategyModel(other, timeModel, peakModel, rankModel, energyModel, energyLevelModel,
                energyWithinModel, levelModel, false);
    }

    /** Loads a model file; throws IllegalArgumentException with a one-line reason if it is not one. */
    public static StrategyModel load(Path file) throws IOException {
        return fromBytes(Files.readAllBytes(file), file.toString());
    }

    /** Reads a model from the bytes of a model file (a bundled resource, say). */
    public static StrategyModel fromBytes(byte[] bytes, String origin) {
        ModelFile.Contents c = ModelFile.read(bytes, origin);
        Model<Regressor> t = c.models().get(STEP_TIME);
        Model<Regressor> p = c.models().get(PEAK_MEMORY);
        Model<Regressor> l = c.models().get(LEVEL);
        if ((t == null && l == null) || p == null) {
            throw new IllegalArgumentException("Invalid model file: " + origin + " (missing " + STEP_TIME + " or "
                    + PEAK_MEMORY + " model)");
        }
        try {
            return new StrategyModel(c.metadata(), t, p, c.models().get(RANK), c.models().get(ENERGY),
                    c.models().get(ENERGY_LEVEL), c.models().get(ENERGY_WITHIN), l, false);
        } catch (RuntimeException e) {
            // a file whose CRC holds but whose contents do not fit together (written by a damaged writer, or edited)
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("Invalid model file: " + origin + " (" + m + ")", e);
        }
    }

    /** The bytes of this model's file. */
    public byte[] toBytes() {
        Map<String, Model<Regressor>> m = new LinkedHashMap<>();
        if (timeModel != null) {
            m.put(STEP_TIME, timeModel);
        }
        m.put(PEAK_MEMORY, peakModel);
        if (rankModel != null) {
            m.put(RANK, rankModel);
        }
        if (levelModel != null) {
            m.put(LEVEL, levelModel);
        }
        if (energyModel != null) {
            m.put(ENERGY, energyModel);
        }
        if (energyLevelModel != null) {
            m.put(ENERGY_LEVEL, energyLevelModel);
            m.put(ENERGY_WITHIN, energyWithinModel);
        }
        return ModelFile.write(metadata.schemaVersion(), metadata, m);
    }

    /** Writes the model file atomically: to a sibling temporary file, then renamed over the target. */
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, toBytes());
    }

    /** The metadata. */
    public ModelMetadata metadata() {
        return metadata;
    }

    /** The absolute step-time regressor as trained, with its Tribuo provenance; null in a file with {@link #LEVEL}. */
    public Model<Regressor> timeModel() {
        return timeModel;
    }

    /** The peak-memory regressor as trained, with its Tribuo provenance. */
    public Model<Regressor> peakModel() {
        return peakModel;
    }

    /** The within-workload step-time regressor as trained, or null (a file written before it). */
    public Model<Regressor> rankModel() {
        return rankModel;
    }

    /** The workload-level step-time regressor ({@link #LEVEL}) as trained, or null (a file without one). */
    public Model<Regressor> levelModel() {
        return levelModel;
    }

    /** The energy regressor as trained, or null (a file without one). */
    public Model<Regressor> energyModel() {
        return energyModel;
    }

    /** The direct (level) energy regressor as trained, or null (a file without one). */
    public Model<Regressor> energyLevelModel() {
        return energyLevelModel;
    }

    /** The within-workload energy regressor as trained, or null (a file without one). */
    public Model<Regressor> energyWithinModel() {
        return energyWithinModel;
    }

    /** Whether this model predicts energy (its file has an {@link #ENERGY} regressor). */
    public boolean predictsEnergy() {
        return energy != null;
    }

    /**
     * Predicted energy per step (J) of each prediction of analyses of one workload, in order; NaN
     * throughout without an energy regressor. With {@link #ENERGY} alone: the prediction's step time
     * times the learned mean power. With all three energy regressors: the geometric mean of that,
     * of the direct energy and of the within-workload energy at the direct level over the
     * workload's candidates ({@link #energy}). A strategy's energy does not depend on which others
     * are asked for with it.
     */
    public double[] energyJ(List<Analysis> as, List<Prediction> predictions) {
        return energyJ(as, energy == null ? null : encode(as), predictions);
    }

    /**
     * A workload's predictions and their energies per step, the analyses encoded once for both:
     * what {@link #predict(List, Workload)} and then {@link #energyJ(List, List)} answer, bit for bit.
     *
     * @param predictions the analyses' predictions, in order
     * @param energyJ     their predicted energies per step, J (NaN throughout without an energy regressor)
     */
    public record WithEnergy(List<Prediction> predictions, double[] energyJ) {
    }

    /** Predicts analyses of strategies of one workload {@code w} and their energies, encoding them once. */
    public WithEnergy predictWithEnergy(List<Analysis> as, Workload w) {
        double[][] xs = encode(as);
        List<Prediction> ps = predict(as, xs, w, Double.NaN, null);
        return new WithEnergy(ps, energyJ(as, energy == null ? null : xs, ps));
    }

    /** {@link #energyJ(List, List)} over the analyses' rows {@code xs} (null without an energy regressor). */
    private double[] energyJ(List<Analysis> as, double[][] xs, List<Prediction> predictions) {
        int n = as.size();
        double[] out = new double[n];
        if (energy == null) {
            java.util.Arrays.fill(out, Double.NaN);
            return out;
        }
        if (energyLevelModel == null) {
            energyGroup.predictAll(xs, new double[][]{out});
            for (int i = 0; i < n; i++) {
                out[i] = predictions.get(i).stepTimeMs() * Math.exp(out[i]);
            }
            return out;
        }
        if (n == 0) {
            return out;
        }
        double[] direct = new double[n];
        double[] within = new double[n];
        energyGroup.predictAll(xs, new double[][]{out, direct, within});
        Workload w = as.get(0).plan().workload();
        List<Strategy> cands = candidates(w);
        double level;
        if (areThe(as, cands) || cands.isEmpty()) {
            level = logLevel(within, direct);
        } else {
            double[][] cx = encode(Analysis.all(w, cands));
            double[] cd = new double[cx.length];
            double[] cw = new double[cx.length];
            energyGroup.predictAll(cx, new double[][]{null, cd, cw});
            level = logLevel(cw, cd);
        }
        for (int i = 0; i < n; i++) {
            out[i] = energy(predictions.get(i).stepTimeMs(), out[i], direct[i], within[i], level,
                    as.get(i).step().estimateMs());
        }
        return out;
    }

    /**
     * The energy (J) of the three-regressor form, shared by training's cross-validation and serving:
     * the geometric mean of T * e^P (step time x mean power), est * e^D (direct) and est * e^(W + level)
     * (within-workload, at the direct level).
     *
     * @param stepTimeMs predicted step time T
     * @param logPower   {@link #ENERGY}'s output P
     * @param logDirect  {@link #ENERGY_LEVEL}'s output D
     * @param logWithin  {@link #ENERGY_WITHIN}'s output W
     * @param level      {@link #logLevel} over the workload's candidates
     * @param estimateMs the analytic step estimate est
     */
    public static double energy(double stepTimeMs, double logPower, double logDirect, double logWithin,
                                double level, double estimateMs) {
        double lnEst = Math.log(estimateMs);
        return Math.exp(((Math.log(stepTimeMs) + logPower) + (lnEst + logDirect) + (lnEst + logWithin + level)) / 3);
    }

    /**
     * The level of a workload's within-workload energies: the mean of direct - within over the
     * entries where both are finite (0 where none is).
     */
    public static double logLevel(double[] within, double[] direct) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < within.length; i++) {
            double v = direct[i] - within[i];
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** The compiled within-workload regressor (null in files without one). */
    public FastRegressor compiledRank() {
        return rank;
    }

    /**
     * The serving form of the step-time and peak-memory regressors (the step-time one null in a
     * file with {@link #LEVEL}).
     */
    public CompiledEnsemble ensemble() {
        return ensemble;
    }

    /** The strategies this model was trained on, in canonical order. */
    public List<Strategy> candidates() {
        return candidates;
    }

    /** The overall memory safety margin (the margin of a policy cross-validation measured none for). */
    public double safetyMargin() {
        return metadata.safetyMargin();
    }

    /**
     * The memory safety margin of a strategy in a file without {@link PeakMargins} (written before
     * them): a strategy fits when predicted peak * (1 + margin) &lt;= capacity.
     */
    public double safetyMargin(Strategy s) {
        return marginByPolicy[s.policy().ordinal()];
    }

    /**
     * The memory safety margin of one prediction: by the size of the learned correction to the
     * analytic peak ({@link PeakMargins}) where the file has such margins, else by policy.
     */
    public double safetyMargin(Strategy s, double predictedPeak, double analyticPeak) {
        PeakMargins pm = metadata.peakMargins();
        return pm != null ? pm.margin(s, predictedPeak, analyticPeak) : safetyMargin(s);
    }

    /** The model's candidates valid for a workload, in canonical order. */
    public List<Strategy> candidates(Workload w) {
        List<Strategy> out = new ArrayList<>(candidates.size());
        for (Strategy s : candidates) {
            if (s.validFor(w)) {
                out.add(s);
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** Predicts every candidate strategy of a workload. */
    public List<Prediction> predict(Workload w) {
        return predict(w, candidates(w));
    }

    /**
     * Predicts the given strategies of a workload, in the given order; throws if one is not valid
     * for it. A strategy's prediction does not depend on which others are asked for with it: the
     * level of the within-workload regressor is always taken over the workload's candidates.
     */
    public List<Prediction> predict(Workload w, List<Strategy> strategies) {
        return predict(Analysis.all(w, strategies), w);
    }

    /** Predicts analyses of strategies of one workload {@code w}, in order. */
    public List<Prediction> predict(List<Analysis> as, Workload w) {
        return predict(as, w, Double.NaN, null);
    }

    /**
     * Predictions of a workload's candidates with the within-workload level they were placed at,
     * so that further strategies of the workload (partial policies) can be predicted at the same
     * level without predicting the candidates again ({@link #predictAt}).
     *
     * @param predictions the candidates' predictions, in canonical order
     * @param level       mean over the candidates of (absolute - within-workload) learned step time
     *                    (0 for a file without a within-workload regressor)
     */
    public record Scored(List<Prediction> predictions, double level) {
    }

    /** Predicts every candidate of a workload, keeping the level for {@link #predictAt}. */
    public Scored score(Workload w) {
        double[] level = new double[1];
        List<Analysis> as = Analysis.all(w, candidates(w));
        // the rows live only while predict runs (what it encodes on its own, a missing keep row,
        // it allocates): each thread's reused rows
        List<Prediction> ps = predict(as, encodeInto(as, scoreRows(as.size())), w, Double.NaN, level);
        return new Scored(ps, level[0]);
    }

    /** Each thread's feature rows for {@link #score}, as many as the most candidates it scored. */
    private static final ThreadLocal<double[][]> SCORE_ROWS = ThreadLocal.withInitial(() -> new double[0][]);

    /** {@code n} of this thread's score rows, each this encoder's width. */
    private double[][] scoreRows(int n) {
        double[][] rows = SCORE_ROWS.get();
        if (rows.length < n || (n > 0 && rows[0].length != encoder.width())) {
            rows = new double[Math.max(n, rows.length)][encoder.width()];
            SCORE_ROWS.set(rows);
        }
        return n == rows.length ? rows : java.util.Arrays.copyOf(rows, n);
    }

    /**
     * Predicts strategies of a workload at a level {@link #score} found, in order; what
     * {@link #predict(Workload, List)} would predict for them, at a fraction of its cost.
     */
    public List<Prediction> predictAt(Workload w, List<Strategy> strategies, double level) {
        return predict(Analysis.all(w, strategies), w, level, null);
    }

    /**
     * What a fits-only look at one strategy computed ({@link #probe}): its analysis, its feature
     * row and the peak forest's output for it, and whether it fits; {@link #predictProbed} turns
     * it into the full prediction without planning, encoding or walking the peak forest again.
     */
    public static final class Probe {
        private final StrategyModel model;
        private final Analysis analysis;
        private final double[] row;
        private final double rawPeak;
        private final boolean fits;

        private Probe(StrategyModel model, Analysis analysis, double[] row, double rawPeak, boolean fits) {
            this.model = model;
            this.analysis = analysis;
            this.row = row;
            this.rawPeak = rawPeak;
            this.fits = fits;
        }

        /** The strategy probed. */
        public Strategy strategy() {
            return analysis.plan().strategy();
        }

        /** Whether it fits: {@link Prediction#fits()} of its full prediction. */
        public boolean fits() {
            return fits;
        }
    }

    /**
     * Whether each strategy of a workload fits, one probe per strategy, in order: each probe's
     * {@link Probe#fits()} is {@code predictAt(w, strategies, level)}'s {@link Prediction#fits()} at
     * any level (a fit depends on the predicted peak alone: peak x (1 +
     * {@link #safetyMargin(Strategy, double, double)}) within the device's memory, computed by the
     * very methods a full prediction calls), for the cost of the peak forest alone: what the
     * predictor's layer search needs of its probes. Each keeps what it computed for
     * {@link #predictProbed}.
     */
    public List<Probe> probe(Workload w, List<Strategy> strategies) {
        List<Analysis> as = Analysis.all(w, strategies);
        int n = as.size();
        if (n == 0) {
            return List.of();
        }
        double[][] xs = encode(as);
        double[] peak = new double[n];
        // row by row: a probe batch shares few paths and would fill a table anew (ForestGroup)
        walk(xs, null, peak, null, false);
        Probe[] out = new Probe[n];
        for (int i = 0; i < n; i++) {
            Plan p = as.get(i).plan();
            out[i] = new Probe(this, as.get(i), xs[i], peak[i], fits(p, requiredBytes(p, peakBytes(p, peak[i]))));
        }
        return List.of(out);
    }

    /**
     * The full predictions of probed strategies of workload {@code w} at a level {@link #score}
     * found, in order: {@code predictAt(w, strategies, level)} bit for bit (the same analyses,
     * rows and peak output; a forest's output does not depend on the rows walked with it), for
     * the cost of the step-time forest over their rows alone. Probes of another workload, or made
     * by another model, are refused.
     */
    public List<Prediction> predictProbed(Workload w, List<Probe> probes, double level) {
        int n = probes.size();
        double[][] xs = new double[n][];
        for (int i = 0; i < n; i++) {
            Probe p = probes.get(i);
            if (p.model != this) {
                throw new IllegalArgumentException("Probe of " + p.strategy() + " made by another model");
            }
            if (!p.analysis.plan().workload().equals(w)) {
                throw new IllegalArgumentException("Probe of " + p.analysis.plan().workload().canonical()
                        + " predicted for " + w.canonical());
            }
            xs[i] = p.row;
        }
        double[] raw = new double[n];
        if (n > 0) {
            // the step-time forest alone: within-workload where the file has it (the level given),
            // else absolute (at level 0, as predict places it)
            if (rank != null) {
                walk(xs, null, null, raw);
            } else {
                walk(xs, raw, null, null);
            }
        }
        double at = rank != null ? level : 0;
        List<Prediction> out = new ArrayList<>(n);
        for (Probe p : probes) {
            out.add(prediction(p.analysis, raw[out.size()], at, p.rawPeak));
        }
        return out;
    }

    private List<Prediction> predict(List<Analysis> as, Workload w, double givenLevel, double[] levelOut) {
        return predict(as, encode(as), w, givenLevel, levelOut);
    }

    private List<Prediction> predict(List<Analysis> as, double[][] xs, Workload w, double givenLevel,
                                     double[] levelOut) {
        int n = as.size();
        double[] raw = new double[n];
        double[] peak = new double[n];
        double at = 0;
        if (rank != null && n > 0) {
            // at a given level, or with a level regressor, the absolute step times are not needed:
            // only the ranking and the peak
            boolean find = Double.isNaN(givenLevel);
            double[] absolute = find && level == null ? new double[n] : null;
            walk(xs, absolute, peak, raw);
            at = !find ? givenLevel : level != null ? level(as, xs, w) : offset(as, w, absolute, raw);
            if (levelOut != null) {
                levelOut[0] = at;
            }
        } else {
            walk(xs, raw, peak, null);
        }
        List<Prediction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(prediction(as.get(i), raw[i], at, peak[i]));
        }
        return out;
    }

    /**
     * The group's outputs for rows {@code xs}: the absolute step-time, peak and within-workload
     * regressors' (a null array leaves its regressor out; the file's missing regressor is).
     */
    private void walk(double[][] xs, double[] absolute, double[] peak, double[] within) {
        walk(xs, absolute, peak, within, true);
    }

    /** {@link #walk(double[][], double[], double[], double[])}, the rows one by one where {@code sets} is false. */
    private void walk(double[][] xs, double[] absolute, double[] peak, double[] within, boolean sets) {
        group.predictAll(xs, timeModel == null ? new double[][]{peak, within}
                : rank == null ? new double[][]{absolute, peak} : new double[][]{absolute, peak, within}, sets);
    }

    /**
     * The {@link #LEVEL} regressor's output for the workload's {@link #LEVEL_STRATEGY} row: the
     * row among the analyses where there is one (the estimator gives keep the same row among
     * other strategies as alone, which training encodes), else the workload's own.
     */
    private double level(List<Analysis> as, double[][] xs, Workload w) {
        for (int i = 0; i < as.size(); i++) {
            if (as.get(i).plan().strategy().equals(LEVEL_STRATEGY)) {
                return level.predict(xs[i]);
            }
        }
        return level.predict(encode(Analysis.all(w, List.of(LEVEL_STRATEGY)))[0]);
    }

    /**
     * Mean of (absolute - within-workload) learned step time over the workload's candidates: from
     * the given predictions when they are exactly the candidates, else from the candidates' own.
     */
    private double offset(List<Analysis> as, Workload w, double[] time, double[] r) {
        List<Strategy> cands = candidates(w);
        if (!areThe(as, cands) && !cands.isEmpty()) {
            double[][] xs = encode(Analysis.all(w, cands));
            time = new double[xs.length];
            r = new double[xs.length];
            walk(xs, time, null, r);
        }
        return absoluteLevel(time, r);
    }

    /**
     * The workload level of the absolute form (no {@link #LEVEL}), shared by serving and training's
     * cross-validation: the mean over a workload's candidates of absolute - within-workload learned
     * step time, summed in order.
     *
     * @param absolute the {@link #STEP_TIME} regressor's learned values
     * @param within   the {@link #RANK} regressor's, in the same order
     */
    public static double absoluteLevel(double[] absolute, double[] within) {
        double sum = 0;
        for (int i = 0; i < absolute.length; i++) {
            sum += absolute[i] - within[i];
        }
        return sum / absolute.length;
    }

    /**
     * A predicted step time (ms), shared by serving and training's cross-validation: the time
     * target's inverse of the within-workload learned value placed at the workload's level (a file
     * without {@link #RANK}: its absolute learned value at level 0).
     *
     * @param t          the model's step-time target form
     * @param within     the learned value ({@link #RANK}'s, or {@link #STEP_TIME}'s without one)
     * @param level      the workload's level ({@link #absoluteLevel}, or {@link #LEVEL}'s output)
     * @param estimateMs the analytic step estimate of the strategy
     */
    public static double stepTimeMs(TargetTransform t, double within, double level, double estimateMs) {
        return t.inverse(within + level, estimateMs);
    }

    /** Whether the analyses are of exactly these strategies, in their order. */
    private static boolean areThe(List<Analysis> as, List<Strategy> strategies) {
        if (as.size() != strategies.size()) {
            return false;
        }
        for (int i = 0; i < as.size(); i++) {
            if (!as.get(i).plan().strategy().equals(strategies.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The analyses' feature rows, by this model's encoder. */
    private double[][] encode(List<Analysis> as) {
        return encodeInto(as, new double[as.size()][encoder.width()]);
    }

    /** The analyses' feature rows written into {@code xs} (as many rows, each the encoder's width, any contents). */
    private double[][] encodeInto(List<Analysis> as, double[][] xs) {
        encoder.encodeAll(as, xs);
        return xs;
    }

    /** Predicts the strategy of an analysis (for callers that already scheduled it). */
    public Prediction predict(Analysis a) {
        return predict(List.of(a), a.plan().workload()).get(0);
    }

    /** A prediction from the raw step-time output placed at a level ({@link #stepTimeMs}) and the peak output. */
    private Prediction prediction(Analysis a, double rawTime, double level, double rawPeak) {
        Plan p = a.plan();
        double time = stepTimeMs(metadata.timeTransform(), rawTime, level, a.step().estimateMs());
        double peak = peakBytes(p, rawPeak);
        double required = requiredBytes(p, peak);
        return new Prediction(p.strategy(), time, time * timeLowFactor, time * timeHighFactor, peak,
                peak * peakLowFactor, peak * peakHighFactor, p.peakMemoryBytes(), required,
                p.workload().device().memoryBytes(), fits(p, required));
    }

    /** The predicted peak (bytes) of a plan from the peak regressor's output. */
    private double peakBytes(Plan p, double rawPeak) {
        return metadata.peakTransform().inverse(rawPeak, p.peakMemoryBytes());
    }

    /** What must be free on the device for a plan of predicted peak {@code peak}: the peak with its safety margin. */
    private double requiredBytes(Plan p, double peak) {
        return peak * (1 + safetyMargin(p.strategy(), peak, p.peakMemoryBytes()));
    }

    /** The fit rule: the required bytes within the device's memory. */
    private static boolean fits(Plan p, double required) {
        return required <= p.workload().device().memoryBytes();
    }

    /**
     * The choice among predictions, by the one rule the predictor and the evaluator share
     * ({@link Choice}, default tie tolerance).
     */
    public static Prediction choose(List<Prediction> predictions) {
        return predictions.get(Choice.decide(predictions, Choice.DEFAULT_TIE_TOLERANCE).chosen());
    }
}
