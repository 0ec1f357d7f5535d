package io.accessplan.model;

import io.accessplan.model.train.TestModels;
import io.accessplan.features.Strategy;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a model computes once at load (per-policy margins) is what the metadata says, per strategy. */
class ServingConstantsTest {

    @Test
    void perPolicyMarginsAreTheMetadatasOrTheOverallMargin() {
        StrategyModel trained = TestModels.trained().model();
        ModelMetadata md = trained.metadata();
        Map<String, Double> margins = new LinkedHashMap<>();
        margins.put("offload", 0.125);
        margins.put("keep", 0.0);
        ModelMetadata custom = new ModelMetadata(md.schemaVersion(), md.featureNames(), md.candidates(),
                md.fingerprint(), md.rows(), md.timeTransform(), md.peakTransform(), 0.0625, margins, null,
                md.timeResidualQuantiles(), md.peakResidualQuantiles(), md.hyperparameters(), md.createdAt(),
                md.crossValidation());
        for (StrategyModel m : new StrategyModel[]{trained,
                new StrategyModel(custom, trained.timeModel(), trained.peakModel())}) {
            for (Strategy s : Strategy.all()) {
                assertEquals(m.metadata().policyMargins().getOrDefault(s.policy().id(), m.metadata().safetyMargin()),
                        m.safetyMargin(s), 0.0, s.toString());
            }
        }
    }
}
