package io.accessplan.predictor;

import io.accessplan.features.Workload;
import io.accessplan.model.Choice;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The planner answers by the rule the evaluator scores ({@link Choice}), so the reported metrics are its own. */
class SameRuleTest {
    @Test
    void thePlannersAnswerIsTheChoiceRulesOverTheModelsPredictions() {
        AccessPlanner planner = AccessPlanner.bundled();
        StrategyModel model = planner.model();
        for (Workload w : Workloads.random(200, 8)) {
            // the candidates, and the partial policies the layer search adds (LayerSearchTest)
            List<Prediction> ps = planner.searchLayers(w, model.score(w));
            Choice.Decision d = Choice.decide(ps, Choice.DEFAULT_TIE_TOLERANCE);
            Recommendation r = planner.recommend(w);
            assertEquals(ps.get(d.chosen()).strategy(), r.strategy(), w.canonical());
            assertEquals(d.fits(), r.fits(), w.canonical());
            assertEquals(StrategyModel.choose(ps).strategy(), r.strategy(), w.canonical());
        }
    }
}
