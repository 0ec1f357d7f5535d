package io.accessplan.predictor;

import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.XGBoostOptions;
import org.junit.jupiter.api.Test;

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
 * The bundled model file keeps answering as it did when {@code bundled-model.lookups} was recorded
 * (re-recorded when the bundled model was retrained with 50 within-workload trees, 25 peak trees
 * of depth 8 and a 50-tree step-time level regressor, feature schema 5; first recorded at commit
 * 'probes' of branch structure2): every candidate's predicted figures
 * and energy, and the recommendation (its search over partial policies included), bit for bit as
 * {@link Double#toString}. Rewrite the file only for a deliberate change of the answers, with
 * {@code -Daccessplan.writeLookups=true}.
 */
class BundledModelLookupsTest {

    @Test
    void theBundledModelAnswersEveryLookupBitForBitAsRecorded() throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource(AccessPlanner.BUNDLED_RESOURCE), "bundled");
        AccessPlanner planner = AccessPlanner.of(m);
        List<String> now = new ArrayList<>();
        List<Workload> ws = Workloads.random(12, 20261201L);
        for (int k = 0; k < ws.size(); k++) {
            Workload w = ws.get(k);
            List<Prediction> ps = m.predict(w);
            double[] energy = m.energyJ(Analysis.all(w, ps.stream().map(Prediction::strategy).toList()), ps);
            for (int i = 0; i < ps.size(); i++) {
                Prediction p = ps.get(i);
                now.add("workload " + k + " | " + p.strategy() + " | " + p.stepTimeMs() + " " + p.peakBytes() + " "
                        + p.requiredBytes() + " " + p.fits() + " " + energy[i]);
            }
            Recommendation r = planner.recommend(w);
            now.add("workload " + k + " recommends " + r.strategy() + " | " + r.predictedStepTimeMs() + " "
                    + r.predictedPeakMemoryBytes() + " " + r.fits());
        }
        Path file = Path.of("src/test/resources/io/accessplan/predictor/bundled-model.lookups");
        if (Boolean.getBoolean("accessplan.writeLookups")) {
            Files.write(file, now);
            return;   // checked by the next run, which reads the copy on the class path
        }
        List<String> recorded = new String(resource("/io/accessplan/predictor/bundled-model.lookups"),
                StandardCharsets.UTF_8).lines().toList();
        assertEquals(recorded.size(), now.size());
        for (int i = 0; i < now.size(); i++) {
            assertEquals(recorded.get(i), now.get(i), "line " + (i + 1));
        }
    }

    @Test
    void theBundledModelsRecordedTrainingOptionsRead() throws IOException {
        StrategyModel m = StrategyModel.fromBytes(resource(AccessPlanner.BUNDLED_RESOURCE), "bundled");
        TrainOptions o = TrainOptions.recorded(m.metadata().hyperparameters());
        // the bundled model's training command: --trees 150 --rank-trees 50 --eta 0.2 --peak-trees 25 --peak-eta 0.3
        // --peak-depth 8 --level-trees 50 --level-eta 0.1 --step-level level on two threads (README)
        assertEquals(new XGBoostOptions(150, 50, 25, 6, 0.2, 0.8, 0.8, 1.0, 1.0, 2).withLevel(50, 0.1)
                .withPeak(0.3, 8), o.trainerOptions());
        assertEquals(42L, o.seed());
        assertEquals(5, o.folds());
        assertEquals(0.95, o.marginQuantile());
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundledModelLookupsTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }
}
