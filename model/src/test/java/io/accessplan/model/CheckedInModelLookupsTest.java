package io.accessplan.model;

import io.accessplan.features.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The checked-in model files answer whole lookups (planner, encoder of the file's feature schema,
 * compiled regressors, margins) exactly as they did when their {@code .lookups} file was recorded:
 * every candidate of varied workloads, every predicted figure as {@link Double#toString}, so a
 * change of one bit shows. The version-4 files' were recorded with the build of commit 'Probes' of branch
 * structure2 (main's, before the encoder gained version 5), shipped-v5's when it was written; rewrite them only for a
 * deliberate change of the answers, with {@code -Daccessplan.writeLookups=true}.
 */
class CheckedInModelLookupsTest {

    @ParameterizedTest
    @ValueSource(strings = {"shipped-v4", "shipped-v4r", "shipped-v5"})
    void aCheckedInModelAnswersEveryLookupBitForBitAsRecorded(String name) throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource(name + ".apmodel"), name);
        List<String> now = lookups(m, SyntheticRows.workloads(8, 4242));
        Path file = Path.of("src/test/resources/io/accessplan/model", name + ".lookups");
        if (Boolean.getBoolean("accessplan.writeLookups")) {
            Files.write(file, now);
            return;   // checked by the next run, which reads the copy on the class path
        }
        List<String> recorded = new String(resource(name + ".lookups"), StandardCharsets.UTF_8).lines().toList();
        assertEquals(recorded.size(), now.size(), name);
        for (int i = 0; i < now.size(); i++) {
            assertEquals(recorded.get(i), now.get(i), name + " line " + (i + 1));
        }
    }

    /** One line per (workload, candidate): every figure of its prediction, energy where the model has it. */
    static List<String> lookups(StrategyModel m, List<Workload> ws) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < ws.size(); k++) {
            for (Prediction p : m.predict(ws.get(k))) {
                out.add("workload " + k + " | " + p.strategy() + " | " + p.stepTimeMs() + " " + p.stepTimeLowMs() + " "
                        + p.stepTimeHighMs() + " " + p.peakBytes() + " " + p.peakLowBytes() + " " + p.peakHighBytes()
                        + " " + p.analyticPeakBytes() + " " + p.requiredBytes() + " " + p.fits());
            }
        }
        return out;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = CheckedInModelLookupsTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }
}
