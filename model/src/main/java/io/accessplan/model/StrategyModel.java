package io.accessplan.model;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.plan.Plan;
import org.tribuo.Model;
import org.tribuo.regression.Regressor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained accessplan model: two Tribuo regressors (step time, peak memory) over the features of
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

    private final ModelMetadata metadata;
    private final Model<Regressor> timeModel;
    private final Model<Regressor> peakModel;
    private final CompiledEnsemble ensemble;
    private final FeatureEncoder encoder = new FeatureEncoder();
    private final List<Strategy> candidates;
    /** {@link #safetyMargin(Strategy)} by activation policy ordinal: no map lookup per prediction. */
    private final double[] marginByPolicy;
    /** exp of the residual quantiles (5%, 95%): the interval factors, the same for every prediction. */
    private final double timeLowFactor;
    private final double timeHighFactor;
    private final double peakLowFactor;
    private final double peakHighFactor;

    /** Assembles a model; the metadata's feature names must be the running encoder's. */
    public StrategyModel(ModelMetadata metadata, Model<Regressor> timeModel, Model<Regressor> peakModel) {
        if (metadata.schemaVersion() != FeatureEncoder.schemaVersion()
                || !metadata.featureNames().equals(encoder.names())) {
            throw new IllegalArgumentException("Model features (schema version " + metadata.schemaVersion()
                    + ") differ from this build's encoder (schema version " + FeatureEncoder.schemaVersion()
                    + "): retrain the model");
        }
        this.metadata = metadata;
        this.timeModel = timeModel;
        this.peakModel = peakModel;
        this.ensemble = CompiledEnsemble.of(timeModel, peakModel, encoder.names());
        this.candidates = metadata.candidates().stream().map(Strategy::parse).toList();
        ActivationPolicy[] policies = ActivationPolicy.values();
        this.marginByPolicy = new double[policies.length];
        for (ActivationPolicy a : policies) {
            marginByPolicy[a.ordinal()] = metadata.policyMargins().getOrDefault(a.id(), metadata.safetyMargin());
        }
        double[] tq = metadata.timeResidualQuantiles();
        double[] pq = metadata.peakResidualQuantiles();
        this.timeLowFactor = Math.exp(tq[0]);
        this.timeHighFactor = Math.exp(tq[2]);
        this.peakLowFactor = Math.exp(pq[0]);
        this.peakHighFactor = Math.exp(pq[2]);
    }

    /** Loads a model file; throws IllegalArgumentException with a one-line reason if it is not one. */
    public static StrategyModel load(Path file) throws IOException {
        return fromBytes(Files.readAllBytes(file), file.toString());
    }

    /** Reads a model from the bytes of a model file (a bundled resource, say). */
    public static StrategyModel fromBytes(byte[] bytes, String origin) {
        ModelFile.Contents c = ModelFile.read(bytes, FeatureEncoder.schemaVersion(), origin);
        Model<Regressor> t = c.models().get(STEP_TIME);
        Model<Regressor> p = c.models().get(PEAK_MEMORY);
        if (t == null || p == null) {
            throw new IllegalArgumentException("Invalid model file: " + origin + " (missing " + STEP_TIME + " or "
                    + PEAK_MEMORY + " model)");
        }
        return new StrategyModel(c.metadata(), t, p);
    }

    /** The bytes of this model's file. */
    public byte[] toBytes() {
        Map<String, Model<Regressor>> m = new LinkedHashMap<>();
        m.put(STEP_TIME, timeModel);
        m.put(PEAK_MEMORY, peakModel);
        return ModelFile.write(FeatureEncoder.schemaVersion(), metadata, m);
    }

    /** Writes the model file atomically: to a sibling temporary file, then renamed over the target. */
    public void save(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        // a sibling name (same file system, so the rename is atomic) with the default permissions
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + System.nanoTime() + ".tmp");
        try {
            Files.write(tmp, toBytes(), java.nio.file.StandardOpenOption.CREATE_NEW);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The metadata. */
    public ModelMetadata metadata() {
        return metadata;
    }

    /** The step-time regressor as trained, with its Tribuo provenance. */
    public Model<Regressor> timeModel() {
        return timeModel;
    }

    /** The peak-memory regressor as trained, with its Tribuo provenance. */
    public Model<Regressor> peakModel() {
        return peakModel;
    }

    /** The serving form of the two regressors. */
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

    /** The memory safety margin of a strategy: a strategy fits when predicted peak * (1 + margin) &lt;= capacity. */
    public double safetyMargin(Strategy s) {
        return marginByPolicy[s.policy().ordinal()];
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

    /** Predicts the given strategies of a workload, in the given order; throws if one is not valid for it. */
    public List<Prediction> predict(Workload w, List<Strategy> strategies) {
        List<Analysis> as = Analysis.all(w, strategies);
        int n = as.size();
        double[][] xs = new double[n][encoder.width()];
        for (int i = 0; i < n; i++) {
            encoder.encodeInto(as.get(i), xs[i], 0);
        }
        double[] time = new double[n];
        double[] peak = new double[n];
        ensemble.predictAll(xs, time, peak);
        List<Prediction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(prediction(as.get(i), time[i], peak[i]));
        }
        return out;
    }

    /** Predicts the strategy of an analysis (for callers that already scheduled it). */
    public Prediction predict(Analysis a) {
        return predict(a, new double[encoder.width()]);
    }

    private Prediction predict(Analysis a, double[] x) {
        encoder.encodeInto(a, x, 0);
        return prediction(a, ensemble.time().predict(x), ensemble.peak().predict(x));
    }

    /** A prediction from the two regressors' raw outputs for an analysis. */
    private Prediction prediction(Analysis a, double rawTime, double rawPeak) {
        Plan p = a.plan();
        double rooflineMs = a.step().estimateMs();
        double time = metadata.timeTransform().inverse(rawTime, rooflineMs);
        double peak = metadata.peakTransform().inverse(rawPeak, p.peakMemoryBytes());
        double required = peak * (1 + safetyMargin(p.strategy()));
        long cap = p.workload().device().memoryBytes();
        return new Prediction(p.strategy(), time, time * timeLowFactor, time * timeHighFactor, peak,
                peak * peakLowFactor, peak * peakHighFactor, p.peakMemoryBytes(), required, cap, required <= cap);
    }

    /**
     * The choice among predictions: the fastest predicted to fit, or, when none is predicted to
     * fit, the one of least predicted peak (the answer "does not fit" names it). Ties keep the
     * earlier prediction (canonical order).
     */
    public static Prediction choose(List<Prediction> predictions) {
        Prediction best = null;
        for (Prediction p : predictions) {
            if (p.fits() && (best == null || p.stepTimeMs() < best.stepTimeMs())) {
                best = p;
            }
        }
        if (best != null) {
            return best;
        }
        for (Prediction p : predictions) {
            if (best == null || p.peakBytes() < best.peakBytes()) {
                best = p;
            }
        }
        return best;
    }
}
