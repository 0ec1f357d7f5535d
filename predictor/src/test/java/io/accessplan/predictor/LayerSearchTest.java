package io.accessplan.predictor;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The predictor's search over layer counts against scoring every count: where the model's
 * predicted fit is monotone in N, the search finds the same smallest fitting N as the exhaustive
 * scan, and a recommendation of a partial policy is the fastest fitting of the finer space.
 */
class LayerSearchTest {
    private final AccessPlanner planner = AccessPlanner.bundled();
    private final StrategyModel model = planner.model();

    @Test
    void predictionsAtTheCandidatesLevelEqualPredictionsAskedForAlone() {
        int checked = 0;
        for (Workload w : Workloads.random(60, 15)) {
            StrategyModel.Scored sc = model.score(w);
            assertEquals(model.predict(w).size(), sc.predictions().size());
            List<Strategy> partial = new ArrayList<>();
            for (Strategy s : model.candidates(w)) {
                if (s.policy().partial() && w.model().layers() > 2) {
                    partial.add(s.withPolicyLayers(w.model().layers() / 2));
                }
            }
            if (partial.isEmpty()) {
                continue;
            }
            List<Prediction> at = model.predictAt(w, partial, sc.level());
            List<Prediction> alone = model.predict(w, partial);
            for (int i = 0; i < at.size(); i++) {
                assertEquals(alone.get(i).stepTimeMs(), at.get(i).stepTimeMs(), 1e-9 * alone.get(i).stepTimeMs());
                assertEquals(alone.get(i).peakBytes(), at.get(i).peakBytes(), 1e-6 * alone.get(i).peakBytes());
                checked++;
            }
        }
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void theSearchFindsTheSmallestFittingCountOfAnExhaustiveScan() {
        int searched = 0;
        int monotone = 0;
        for (Workload w : Workloads.random(400, 1226)) {
            StrategyModel.Scored sc = model.score(w);
            List<Prediction> found = planner.searchLayers(w, sc);
            int layers = w.model().layers();
            for (Prediction p : found.subList(sc.predictions().size(), found.size())) {
                searched++;
                Strategy whole = p.strategy().wholeModel();
                List<Strategy> all = new ArrayList<>();
                for (int n = 1; n <= layers; n++) {
                    all.add(whole.withPolicyLayers(n));
                }
                List<Prediction> scan = model.predictAt(w, all, sc.level());
                boolean[] fits = new boolean[layers + 1];
                for (int n = 1; n <= layers; n++) {
                    fits[n] = scan.get(n - 1).fits();
                }
                boolean isMonotone = true;
                for (int n = 2; n <= layers; n++) {
                    isMonotone &= !fits[n - 1] || fits[n];
                }
                int n = p.strategy().policyLayers();
                assertTrue(fits[n], p.strategy() + " found but does not fit");
                assertTrue(n == 1 || !fits[n - 1] || !isMonotone, p.strategy() + ": one layer fewer fits too");
                if (isMonotone) {
                    monotone++;
                    int smallest = 1;
                    while (!fits[smallest]) {
                        smallest++;
                    }
                    assertEquals(smallest, n, w.canonical() + " " + whole);
                }
            }
        }
        assertTrue(searched >= 20 && monotone >= searched * 0.8, "searched " + searched + ", monotone " + monotone);
    }

    @Test
    void aPartialRecommendationCarriesItsLayerCountAndBeatsTheWholePolicyItRefines() {
        int partial = 0;
        for (Workload w : Workloads.random(400, 1226)) {
            Recommendation r = planner.recommend(w);
            Strategy s = r.strategy();
            if (!s.isPartial()) {
                assertEquals(s.policy().partial(), r.policyLayers().isPresent(), s.toString());
                continue;
            }
            partial++;
            assertEquals(s.policyLayers(), r.policyLayers().getAsInt());
            assertTrue(r.fits());
            String whole = s.wholeModel().toString();
            Alternative alt = r.alternatives().stream().filter(a -> a.strategy().toString().equals(whole)).findFirst()
                    .orElseThrow();
            assertTrue(alt.whyLost().startsWith("does more work than "), alt.whyLost());
            assertTrue(r.alternatives().stream().anyMatch(a -> a.strategy().policy() == ActivationPolicy.KEEP
                    && a.strategy().microBatches() == s.microBatches() && !a.fits()), "keep of the group fits?");
        }
        assertTrue(partial >= 5, "only " + partial + " partial recommendations");
    }
}
