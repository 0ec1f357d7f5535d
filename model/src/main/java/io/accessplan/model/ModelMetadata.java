package io.accessplan.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model file says about its model besides the Tribuo models themselves: the feature
 * layout it was trained on, the candidate strategies, which data trained it, the targets, the
 * memory safety margin and the cross-validated residual quantiles used as uncertainty.
 *
 * @param schemaVersion         {@link io.accessplan.features.encode.FeatureEncoder#SCHEMA_VERSION} at training time
 * @param featureNames          the encoder's feature names at training time, in vector order
 * @param candidates            the strategies seen in training, in canonical order
 * @param fingerprint           SHA-256 of the training rows (order-independent), hex
 * @param rows                  training rows
 * @param timeTransform         what the step-time regressor learned
 * @param peakTransform         what the peak-memory regressor learned
 * @param safetyMargin          a strategy fits when predicted peak * (1 + margin) &lt;= capacity (policies without their own)
 * @param policyMargins         safety margin per activation policy id, where cross-validation measured one
 * @param peakMargins           safety margins by the size of the learned peak's correction to the analytic
 *                              peak ({@link PeakMargins}); when present they replace the two above; null in
 *                              files written before them
 * @param timeResidualQuantiles cross-validated quantiles (5%, 50%, 95%) of ln(measured / predicted) step time
 * @param peakResidualQuantiles cross-validated quantiles (5%, 50%, 95%) of ln(measured / predicted) peak memory
 * @param hyperparameters       the training options that shape the model ({@code model.train.TrainOptions#hyperparameters()})
 * @param createdAt             ISO-8601 instant of training
 * @param crossValidation       cross-validated metrics of the model, by name (empty without cross-validation)
 */
public record ModelMetadata(int schemaVersion, List<String> featureNames, List<String> candidates, String fingerprint,
                            int rows, TargetTransform timeTransform, TargetTransform peakTransform, double safetyMargin,
                            Map<String, Double> policyMargins, PeakMargins peakMargins, double[] timeResidualQuantiles, double[] peakResidualQuantiles,
                            Map<String, Object> hyperparameters, String createdAt, Map<String, Object> crossValidation) {

    /** Copies the collections; rejects missing fields. */
    public ModelMetadata {
        if (featureNames == null || candidates == null || fingerprint == null || timeTransform == null
                || peakTransform == null || timeResidualQuantiles == null || peakResidualQuantiles == null) {
            throw new IllegalArgumentException("Invalid model metadata: a required field is missing");
        }
        if (timeResidualQuantiles.length != 3 || peakResidualQuantiles.length != 3) {
            throw new IllegalArgumentException("Invalid model metadata: residual quantiles need 3 values");
        }
        if (!(safetyMargin >= 0) || !Double.isFinite(safetyMargin)) {
            throw new IllegalArgumentException("Invalid safety margin: " + safetyMargin);
        }
        policyMargins = Map.copyOf(policyMargins == null ? Map.of() : policyMargins);
        for (Map.Entry<String, Double> e : policyMargins.entrySet()) {
            if (!(e.getValue() >= 0) || !Double.isFinite(e.getValue())) {
                throw new IllegalArgumentException("Invalid safety margin of " + e.getKey() + ": " + e.getValue());
            }
        }
        featureNames = List.copyOf(featureNames);
        candidates = List.copyOf(candidates);
        timeResidualQuantiles = timeResidualQuantiles.clone();
        peakResidualQuantiles = peakResidualQuantiles.clone();
        hyperparameters = Map.copyOf(hyperparameters == null ? Map.of() : hyperparameters);
        crossValidation = Map.copyOf(crossValidation == null ? Map.of() : crossValidation);
        createdAt = createdAt == null ? "" : createdAt;
    }

    /** This metadata with more cross-validated figures (measured-row protocols, say) beside its own. */
    public ModelMetadata withCrossValidation(Map<String, Object> more) {
        Map<String, Object> cv = new LinkedHashMap<>(crossValidation);
        cv.putAll(more);
        return new ModelMetadata(schemaVersion, featureNames, candidates, fingerprint, rows, timeTransform,
                peakTransform, safetyMargin, policyMargins, peakMargins, timeResidualQuantiles, peakResidualQuantiles,
                hyperparameters, createdAt, cv);
    }

    /** The metadata as JSON. */
    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema_version", schemaVersion);
        m.put("feature_names", featureNames);
        m.put("candidates", candidates);
        m.put("fingerprint", fingerprint);
        m.put("rows", rows);
        m.put("time_transform", timeTransform.id());
        m.put("peak_transform", peakTransform.id());
        m.put("safety_margin", safetyMargin);
        m.put("safety_margins", new java.util.TreeMap<>(policyMargins));
        if (peakMargins != null) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("correction_edges", peakMargins.edges());
            pm.put("margins", peakMargins.margins());
            Map<String, double[]> fam = peakMargins.familyMargins();
            if (!fam.isEmpty()) {
                pm.put("family_margins", fam);
            }
            m.put("peak_margins", pm);
        }
        m.put("time_residual_quantiles", timeResidualQuantiles);
        m.put("peak_residual_quantiles", peakResidualQuantiles);
        m.put("hyperparameters", new java.util.TreeMap<>(hyperparameters));
        m.put("created_at", createdAt);
        m.put("cross_validation", new java.util.TreeMap<>(crossValidation));
        return Json.writePretty(m);
    }

    /** Reads metadata JSON; throws IllegalArgumentException naming the bad field. */
    @SuppressWarnings("unchecked")
    static ModelMetadata fromJson(String json) {
        Object o = Json.parse(json);
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("Invalid model metadata: not a JSON object");
        }
        Map<String, Object> m = (Map<String, Object>) o;
        return new ModelMetadata(num(m, "schema_version").intValue(), strings(m, "feature_names"),
                strings(m, "candidates"), str(m, "fingerprint"), num(m, "rows").intValue(),
                TargetTransform.parse(str(m, "time_transform")), TargetTransform.parse(str(m, "peak_transform")),
                num(m, "safety_margin").doubleValue(), margins(m.get("safety_margins")), peakMargins(m.get("peak_margins")),
                doubles(m, "time_residual_quantiles"),
                doubles(m, "peak_residual_quantiles"), (Map<String, Object>) m.get("hyperparameters"),
                str(m, "created_at"), (Map<String, Object>) m.get("cross_validation"));
    }

    private static Map<String, Double> margins(Object o) {
        Map<String, Double> out = new java.util.TreeMap<>();
        if (o == null) {
            return out;   // files written before per-policy margins: the global margin applies
        }
        if (!(o instanceof Map<?, ?> mm)) {
            throw new IllegalArgumentException("Invalid model metadata: safety_margins is not an object");
        }
        for (Map.Entry<?, ?> e : mm.entrySet()) {
            if (!(e.getValue() instanceof Number n)) {
                throw new IllegalArgumentException("Invalid model metadata: safety margin of " + e.getKey());
            }
            out.put(String.valueOf(e.getKey()), n.doubleValue());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static PeakMargins peakMargins(Object o) {
        if (o == null) {
            return null;   // files written before margins by correction size: the policy margins apply
        }
        if (!(o instanceof Map<?, ?> mm)) {
            throw new IllegalArgumentException("Invalid model metadata: peak_margins is not an object");
        }
        Map<String, Object> m = (Map<String, Object>) mm;
        Object fam = m.get("family_margins");
        if (fam == null) {
            return new PeakMargins(doubles(m, "correction_edges"), doubles(m, "margins"));   // before margins by family
        }
        if (!(fam instanceof Map<?, ?> fm)) {
            throw new IllegalArgumentException("Invalid model metadata: peak_margins.family_margins is not an object");
        }
        Map<String, double[]> byName = new LinkedHashMap<>();
        for (Object k : fm.keySet()) {
            byName.put(String.valueOf(k), doubles((Map<String, Object>) fm, String.valueOf(k)));
        }
        return PeakMargins.of(doubles(m, "correction_edges"), doubles(m, "margins"), byName);
    }

    private static Number num(Map<String, Object> m, String k) {
        if (m.get(k) instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException("Invalid model metadata: " + k + " is not a number");
    }

    private static String str(Map<String, Object> m, String k) {
        if (m.get(k) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("Invalid model metadata: " + k + " is not a string");
    }

    private static List<String> strings(Map<String, Object> m, String k) {
        if (!(m.get(k) instanceof List<?> l)) {
            throw new IllegalArgumentException("Invalid model metadata: " + k + " is not a list");
        }
        List<String> out = new ArrayList<>();
        for (Object v : l) {
            out.add(String.valueOf(v));
        }
        return out;
    }

    private static double[] doubles(Map<String, Object> m, String k) {
        if (!(m.get(k) instanceof List<?> l)) {
            throw new IllegalArgumentException("Invalid model metadata: " + k + " is not a list");
        }
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number n)) {
                throw new IllegalArgumentException("Invalid model metadata: " + k + " holds a non-number");
            }
            out[i] = n.doubleValue();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelMetadata other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }
}
