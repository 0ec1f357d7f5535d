package io.accessplan.predictor;

import io.accessplan.features.Workload;
import io.accessplan.model.Objective;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled model's answers through the served traversal (the forests of a lookup walked once
 * for all its candidates, {@code ForestGroup}) are the answers of the same model served by
 * XGBoost's linked walk row by row ({@code StrategyModel.withReferenceServing}): every
 * recommendation equal, figure for figure and alternative for alternative, on 1,000 varied
 * workloads, one by one and through the batch call, and the energy objective's answers too.
 */
class ServedTraversalTest {

    @Test
    void theBundledModelAnswersAsTheLinkedWalkOfItsForestsAnswers() {
        AccessPlanner served = AccessPlanner.bundled();
        AccessPlanner reference = AccessPlanner.of(served.model().withReferenceServing());
        List<Workload> ws = Workloads.random(1000, 23);
        List<Recommendation> batch = served.recommendAll(ws);
        int partial = 0;
        for (int i = 0; i < ws.size(); i++) {
            Recommendation want = reference.recommend(ws.get(i));
            assertEquals(want, served.recommend(ws.get(i)), ws.get(i).canonical());
            assertEquals(want, batch.get(i), ws.get(i).canonical());
            partial += want.strategy().policyLayers() > 0 ? 1 : 0;
        }
        assertTrue(partial > 0, "some answers come from the search over partial policies");
        if (served.model().predictsEnergy()) {
            for (Workload w : ws.subList(0, 200)) {
                ObjectiveAnswer want = reference.recommend(w, Objective.ENERGY);
                ObjectiveAnswer got = served.recommend(w, Objective.ENERGY);
                assertEquals(want.prediction(), got.prediction(), w.canonical());
                assertEquals(java.util.Arrays.toString(want.energyJ()), java.util.Arrays.toString(got.energyJ()));
            }
        }
    }
}
