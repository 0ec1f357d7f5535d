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

    @Test
    void aNewlyTrainedModelRecordsFeatureLayoutFiveAndTheRealKernelCount() {
        StrategyModel m = TestModels.trained().model();
        assertEquals(5, m.metadata().schemaVersion());
        assertEquals(FeatureEncoder.of(5).names(), m.metadata().featureNames());
        org.junit.jupiter.api.Assertions.assertFalse(m.metadata().featureNames().contains("log2_ops_per_step"));
        // the file says 5 too (its header, big-endian after the magic and the format version), and reads back as 5
        byte[] file = m.toBytes();
        assertEquals(5, java.nio.ByteBuffer.wrap(file, 12, 4).getInt());
        assertEquals(5, StrategyModel.fromBytes(file, "trained").metadata().schemaVersion());
        // the kernel count it learned from is the step estimate's
        Observation o = TestModels.rows().get(5);
        double[] x = EncodedRows.of(List.of(o)).x.get(0);
        int k = m.metadata().featureNames().indexOf("log2_kernels_per_step");
        assertEquals(Math.log(Analysis.of(o.workload(), o.strategy()).step().kernels()) / Math.log(2), x[k], 1e-12);
    }
}
