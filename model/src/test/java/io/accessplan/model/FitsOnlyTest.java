package io.accessplan.model;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StrategyModel#probe}'s fits on the checked-in files of the absolute form, with and without a
 * within-workload regressor: each answer equals the full prediction's {@link Prediction#fits()},
 * asked alone or at the candidates' level, for random strategies (partial ones included) of random
 * workloads. The predictor's {@code FitsOnlySearchTest} covers the bundled model and the level form.
 */
class FitsOnlyTest {

    @ParameterizedTest
    @ValueSource(strings = {"shipped-v4", "shipped-v4r", "shipped-v5"})
    void aFitsOnlyAnswerEqualsTheFullPredictionsFit(String name) throws IOException {
        StrategyModel m;
        try (InputStream in = FitsOnlyTest.class.getResourceAsStream(name + ".apmodel")) {
            assertNotNull(in, name);
            m = StrategyModel.fromBytes(in.readAllBytes(), name);
        }
        SplittableRandom r = new SplittableRandom(99);
        int fit = 0;
        int unfit = 0;
        for (Workload w : SyntheticRows.workloads(150, 77)) {
            List<Strategy> ss = new ArrayList<>();
            int layers = w.model().layers();
            for (Strategy s : m.candidates(w)) {
                ss.add(r.nextInt(3) == 0 && s.policy().partial() && layers > 1
                        ? s.withPolicyLayers(1 + r.nextInt(layers)) : s);
            }
            boolean[] fits = fits(m, w, ss);
            List<Prediction> alone = m.predict(w, ss);
            List<Prediction> at = m.predictAt(w, ss, m.score(w).level());
            assertEquals(ss.size(), fits.length);
            for (int i = 0; i < fits.length; i++) {
                assertEquals(alone.get(i).fits(), fits[i], name + " " + w.canonical() + " " + ss.get(i));
                assertEquals(at.get(i).fits(), fits[i]);
                if (fits[i]) {
                    fit++;
                } else {
                    unfit++;
                }
            }
        }
        assertTrue(fit > 300 && unfit > 300, name + ": fit " + fit + ", unfit " + unfit);
    }

    /** Each strategy's probe verdict, in order. */
    static boolean[] fits(StrategyModel m, Workload w, List<Strategy> strategies) {
        List<StrategyModel.Probe> probes = m.probe(w, strategies);
        boolean[] out = new boolean[probes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = probes.get(i).fits();
        }
        return out;
    }
}
