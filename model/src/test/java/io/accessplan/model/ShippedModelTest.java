package io.accessplan.model;

import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model files written by this version (format 1, feature schema 5: {@code shipped-v5}) and
 * before it (feature schema 4; {@code shipped-v4r} with the
 * within-workload regressor and margins by correction size, {@code shipped-v4} from before them)
 * are checked in and must keep loading; the one written before the schema changed (schema 1) must
 * be refused.
 */
class ShippedModelTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ShippedModelTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    @Test
    void theCheckedInModelFileLoadsWithItsMetadataAndProvenance() throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource("shipped-v4.apmodel"), "shipped-v4.apmodel");
        assertEquals(4, m.metadata().schemaVersion());   // served with the version-4 encoder (FeatureEncoder.of)
        assertEquals(FeatureEncoder.of(4).names(), m.metadata().featureNames());
        assertEquals(4, ModelFile.read(m.toBytes(), "again").schemaVersion());   // and saved again as version 4
        assertEquals(64, m.metadata().fingerprint().length());
        assertFalse(m.candidates().isEmpty());
        assertTrue(m.ensemble().flat());
        assertTrue(m.timeModel().getProvenance().toString().contains("XGBoostRegressionTrainer"));
    }

    @Test
    void theModelFileOfTheEarlierFeatureSchemaIsRefusedWithAOneLineReason() throws IOException {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> StrategyModel.fromBytes(resource("shipped-v1.apmodel"), "shipped-v1.apmodel"));
        assertEquals("Model file shipped-v1.apmodel uses feature schema version 1, this build encodes version "
                + FeatureEncoder.schemaVersion() + " (and reads 4): retrain the model", e.getMessage());
    }

    @Test
    void theCheckedInModelPredictsWhatItPredictedWhenWritten() throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource("shipped-v4.apmodel"), "shipped-v4.apmodel");
        predictsAsWritten(m, "shipped-v4.expected", null);
    }

    @Test
    void theCheckedInModelFileWithTheWithinWorkloadRegressorLoadsAndPredictsWhatItDidWhenWritten() throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource("shipped-v4r.apmodel"), "shipped-v4r.apmodel");
        assertNotNull(m.rankModel());
        assertNotNull(m.metadata().peakMargins());
        predictsAsWritten(m, "shipped-v4r.expected",
                CompiledEnsemble.compile(m.rankModel(), m.metadata().featureNames()));
    }

    @Test
    void theCheckedInModelFileOfFeatureSchemaFiveLoadsAndPredictsWhatItDidWhenWritten() throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource("shipped-v5.apmodel"), "shipped-v5.apmodel");
        assertEquals(5, m.metadata().schemaVersion());
        assertEquals(FeatureEncoder.of(5).names(), m.metadata().featureNames());
        assertNotNull(m.rankModel());
        predictsAsWritten(m, "shipped-v5.expected",
                CompiledEnsemble.compile(m.rankModel(), m.metadata().featureNames()));
    }

    /**
     * The five recorded feature vectors give the recorded time and peak (and, with {@code rank},
     * within-workload) outputs exactly, and the model answers a lookup through the running planner
     * and encoder.
     */
    private static void predictsAsWritten(StrategyModel m, String expected, FastRegressor rank) throws IOException {
        List<String> lines = new String(resource(expected), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.startsWith("#")).toList();
        assertEquals(5, lines.size());
        for (String l : lines) {
            String[] parts = l.split(";");
            double[] x = java.util.Arrays.stream(parts[0].split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(Double.parseDouble(parts[1]), m.ensemble().time().predict(x), 0.0);
            assertEquals(Double.parseDouble(parts[2]), m.ensemble().peak().predict(x), 0.0);
            if (rank != null) {
                assertEquals(Double.parseDouble(parts[3]), rank.predict(x), 0.0);
            }
        }
        Workload w = SyntheticRows.workloads(1, 5).get(0);
        for (Prediction p : m.predict(w)) {
            assertTrue(p.stepTimeMs() > 0 && p.peakBytes() > 0, p.toString());
        }
    }
}
