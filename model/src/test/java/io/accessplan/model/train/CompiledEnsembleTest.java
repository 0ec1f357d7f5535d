package io.accessplan.model.train;

import io.accessplan.model.FastRegressor;
import io.accessplan.model.FlatForest;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;
import org.junit.jupiter.api.Test;
import org.tribuo.common.xgboost.XGBoostModel;
import org.tribuo.regression.Regressor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompiledEnsembleTest {

    @Test
    void flatForestPredictsWhatTribuoPredictsOnAThousandWorkloads() {
        StrategyModel model = TestModels.trained().model();
        assertTrue(model.ensemble().flat(), "XGBoost models compile to flat forests");
        FeatureEncoder enc = new FeatureEncoder();
        SplittableRandom r = new SplittableRandom(5);
        List<double[]> xs = new ArrayList<>();
        for (Workload w : SyntheticRows.workloads(1000, 99)) {
            List<Strategy> c = Strategy.candidates(w);
            xs.add(enc.encode(w, c.get(r.nextInt(c.size()))));
        }
        check(model.timeModel(), model.ensemble().time(), enc, xs);
        check(model.peakModel(), model.ensemble().peak(), enc, xs);
        assertTrue(model.rankModel() != null, "the trained model has its within-workload regressor");
        check(model.rankModel(), model.compiledRank(), enc, xs);
    }

    private static void check(org.tribuo.Model<Regressor> tribuo, FastRegressor flat, FeatureEncoder enc,
                              List<double[]> xs) {
        assertTrue(tribuo instanceof XGBoostModel);
        double[] expected = Regressors.predict(tribuo, enc.names(), xs);
        for (int i = 0; i < xs.size(); i++) {
            double got = flat.predict(xs.get(i));
            // learned values are logs: compare the quantities they stand for, relative 1e-5
            assertEquals(1.0, Math.exp(got - expected[i]), 1e-5, "row " + i + ": " + got + " vs " + expected[i]);
        }
    }

    @Test
    void aCompiledForestHasOneTreePerBoostingRound() {
        StrategyModel model = TestModels.trained().model();
        FlatForest f = (FlatForest) model.ensemble().time();
        assertEquals(TestModels.options().xgboost().trees(), f.trees());
        assertTrue(f.nodes() >= f.trees());
    }
}
