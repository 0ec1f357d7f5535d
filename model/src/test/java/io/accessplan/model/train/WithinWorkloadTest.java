package io.accessplan.model.train;

import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.TargetTransform;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The within-workload step-time regressor: trained, saved, and combined the same way whatever is asked. */
class WithinWorkloadTest {

    @Test
    void aTrainedModelCarriesItAndAStrategysPredictionDoesNotDependOnItsCompany() {
        StrategyModel m = TestModels.trained().model();
        assertNotNull(m.rankModel());
        for (Workload w : SyntheticRows.workloads(5, 21)) {
            List<Prediction> all = m.predict(w);
            for (int i = 0; i < all.size(); i += 3) {
                Strategy s = all.get(i).strategy();
                Prediction alone = m.predict(w, List.of(s)).get(0);
                assertEquals(all.get(i).stepTimeMs(), alone.stepTimeMs(), 1e-9 * alone.stepTimeMs(), s.toString());
                assertEquals(all.get(i).peakBytes(), alone.peakBytes(), 0.0);
            }
        }
    }

    @Test
    void itSurvivesTheModelFile() {
        StrategyModel m = TestModels.trained().model();
        StrategyModel back = StrategyModel.fromBytes(m.toBytes(), "memory");
        assertNotNull(back.rankModel());
        Workload w = SyntheticRows.workloads(1, 4).get(0);
        List<Prediction> a = m.predict(w);
        List<Prediction> b = back.predict(w);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i));
        }
        assertTrue(back.rankModel().getProvenance().toString().contains("XGBoostRegressionTrainer"));
    }

    @Test
    void aRelativeTargetHasZeroMeanWithinEachWorkload() {
        EncodedRows d = EncodedRows.of(TestModels.rows());
        int[] fit = d.usable(java.util.stream.IntStream.range(0, d.size()).toArray(), true);
        double[] y = d.relativeTarget(fit, TargetTransform.LOG_RATIO);
        java.util.Map<String, Double> sum = new java.util.HashMap<>();
        for (int k = 0; k < fit.length; k++) {
            sum.merge(d.rows.get(fit[k]).workload().id(), y[k], Double::sum);
        }
        sum.values().forEach(v -> assertEquals(0.0, v, 1e-9));
    }
}
