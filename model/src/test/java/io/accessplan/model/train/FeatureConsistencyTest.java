package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.features.plan.Plan;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FeatureConsistencyTest {

    @Test
    void trainingAndLookupEncodeARowIdentically() {
        List<Observation> rows = TestModels.rows().subList(0, 300);
        EncodedRows training = EncodedRows.of(rows);
        FeatureEncoder lookup = new FeatureEncoder();
        for (int i = 0; i < rows.size(); i++) {
            Observation o = rows.get(i);
            assertArrayEquals(training.x.get(i), lookup.encode(o.workload(), o.strategy()), "row " + i);
        }
        assertEquals(lookup.names(), training.names);
    }

    @Test
    void aLookupPredictsFromTheFeaturesTrainingWouldHaveBuilt() {
        StrategyModel m = TestModels.trained().model();
        assertEquals(new FeatureEncoder().names(), m.metadata().featureNames());
        Observation o = TestModels.rows().get(17);
        Workload w = o.workload();
        Plan p = Analysis.of(w, o.strategy()).plan();
        double[] x = EncodedRows.of(List.of(o)).x.get(0);
        double expectedPeak = m.metadata().peakTransform().inverse(m.ensemble().peak().predict(x), p.peakMemoryBytes());
        Prediction got = m.predict(w, List.of(o.strategy())).get(0);
        assertEquals(expectedPeak, got.peakBytes(), 0.0);
    }
}
