package io.accessplan.model;

import io.accessplan.model.train.TestModels;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tree-major batch path serves exactly what one-at-a-time prediction does. */
class BatchPredictionTest {

    @Test
    void predictAllEqualsPredictBitForBitOnAThousandWorkloads() {
        StrategyModel model = TestModels.trained().model();
        FeatureEncoder enc = new FeatureEncoder();
        for (Workload w : SyntheticRows.workloads(1000, 98)) {
            List<Strategy> c = Strategy.candidates(w);
            double[][] xs = c.stream().map(s -> enc.encode(w, s)).toArray(double[][]::new);
            for (FastRegressor f : new FastRegressor[]{model.ensemble().time(), model.ensemble().peak()}) {
                double[] batch = new double[xs.length];
                f.predictAll(xs, batch);
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(f.predict(xs[i]), batch[i], 0.0, w.canonical() + " " + c.get(i));
                }
            }
            List<Prediction> viaBatch = model.predict(w, c);
            for (int i = 0; i < c.size(); i++) {
                assertEquals(model.predict(io.accessplan.features.encode.Analysis.of(w, c.get(i))), viaBatch.get(i));
            }
        }
    }
}
