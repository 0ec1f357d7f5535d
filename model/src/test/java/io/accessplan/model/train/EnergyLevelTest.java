package io.accessplan.model.train;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.FeatureEncoder;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import io.accessplan.model.evaluate.Evaluator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Energy as the geometric mean of three estimates (time x power, {@link StrategyModel#ENERGY_LEVEL}
 * direct, {@link StrategyModel#ENERGY_WITHIN} at the direct level): the served energy against the
 * formula recomputed from the Tribuo regressors' own outputs, the file round trip, the older form
 * (mean power alone) predicting as it did, and the cross-validation's energies by the same formula.
 */
class EnergyLevelTest {
    private static List<Observation> rows;
    private static StrategyModel model;

    @BeforeAll
    static void train() {
        rows = EnergyRegressorTest.withEnergy(SyntheticRows.rows(SyntheticRows.workloads(40, 5)));
        // without cross-validation the trainer keeps the three-regressor form (with it, it keeps the closer form)
        model = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(40, 5).withFolds(0)).model();
    }

    /** The learned outputs of a Tribuo regressor (not the compiled serving form) on analyses. */
    private static double[] tribuo(org.tribuo.Model<org.tribuo.regression.Regressor> r, List<Analysis> as) {
        FeatureEncoder enc = new FeatureEncoder();
        return Regressors.predict(r, enc.names(), as.stream().map(enc::encode).toList());
    }

    @Test
    void servedEnergyIsTheGeometricMeanOfTheThreeEstimates() {
        assertNotNull(model.energyLevelModel(), "a model trained on energies has the direct regressor");
        assertNotNull(model.energyWithinModel(), "and the within-workload one");
        for (Workload w : SyntheticRows.workloads(6, 77)) {
            List<Strategy> cands = model.candidates(w);
            List<Analysis> as = Analysis.all(w, cands);
            List<Prediction> ps = model.predict(as, w);
            double[] served = model.energyJ(as, ps);
            double[] p = tribuo(model.energyModel(), as);
            double[] d = tribuo(model.energyLevelModel(), as);
            double[] wi = tribuo(model.energyWithinModel(), as);
            double level = 0;
            for (int i = 0; i < as.size(); i++) {
                level += d[i] - wi[i];
            }
            level /= as.size();
            for (int i = 0; i < as.size(); i++) {
                double est = as.get(i).step().estimateMs();
                double product = ps.get(i).stepTimeMs() * Math.exp(p[i]);
                double direct = est * Math.exp(d[i]);
                double within = est * Math.exp(wi[i] + level);
                double expected = Math.cbrt(product * direct * within);
                assertEquals(1.0, served[i] / expected, 1e-5, cands.get(i) + " of " + w.id());
            }
            // one strategy asked for alone gets the energy it gets among all the candidates
            for (int i = 0; i < as.size(); i += 3) {
                List<Analysis> one = List.of(as.get(i));
                assertEquals(served[i], model.energyJ(one, model.predict(one, w))[0], 1e-9 * served[i]);
            }
        }
    }

    @Test
    void theEnergyRegressorsSurviveTheModelFile() {
        StrategyModel back = StrategyModel.fromBytes(model.toBytes(), "round trip");
        assertNotNull(back.energyLevelModel());
        assertNotNull(back.energyWithinModel());
        StrategyModel viaTrainer = MultiSourceTrainer.train(rows.subList(0, 400),
                TrainOptions.defaults().withTrees(10, 3).withFolds(0), 1, 5).train().model();
        assertNotNull(StrategyModel.fromBytes(viaTrainer.toBytes(), "cli").energyLevelModel(),
                "the command line's trainer keeps it too");
        for (Workload w : SyntheticRows.workloads(4, 78)) {
            List<Analysis> as = Analysis.all(w, model.candidates(w));
            assertArrayEquals(model.energyJ(as, model.predict(as, w)), back.energyJ(as, back.predict(as, w)));
        }
    }

    @Test
    void aFileWithMeanPowerAlonePredictsTimeTimesPowerAsBefore() {
        StrategyModel old = new StrategyModel(model.metadata(), model.timeModel(), model.peakModel(),
                model.rankModel(), model.energyModel());
        StrategyModel back = StrategyModel.fromBytes(old.toBytes(), "older form");
        assertNull(back.energyLevelModel());
        assertTrue(back.predictsEnergy());
        boolean levelMoves = false;
        for (Workload w : SyntheticRows.workloads(4, 79)) {
            List<Analysis> as = Analysis.all(w, model.candidates(w));
            List<Prediction> ps = back.predict(as, w);
            double[] e = back.energyJ(as, ps);
            double[] p = tribuo(model.energyModel(), as);
            double[] now = model.energyJ(as, model.predict(as, w));
            for (int i = 0; i < as.size(); i++) {
                assertEquals(1.0, e[i] / (ps.get(i).stepTimeMs() * Math.exp(p[i])), 1e-5);
                levelMoves |= Math.abs(now[i] / e[i] - 1) > 1e-6;
            }
        }
        assertTrue(levelMoves, "the three-regressor form answers otherwise");
    }

    @Test
    void anIncompleteSetOfEnergyRegressorsIsRefused() {
        for (var missing : List.of(0, 1, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StrategyModel(
                    model.metadata(), model.timeModel(), model.peakModel(), model.rankModel(),
                    missing == 0 ? null : model.energyModel(), missing == 1 ? null : model.energyLevelModel(),
                    missing == 2 ? null : model.energyWithinModel()));
            assertTrue(e.getMessage().contains(StrategyModel.ENERGY_WITHIN), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void crossValidatedEnergiesAreTheSameGeometricMeanOverEachWorkload() {
        EncodedRows d = EncodedRows.of(rows);
        List<CrossValidation.Fold> folds = CrossValidation.grouped(rows, 3, 1);
        EnergyTraining.OutOfFold oof = EnergyTraining.outOfFold(d, folds, TrainOptions.defaults().withTrees(20, 3),
                java.util.Map.of());
        double[] t = new double[d.size()];
        for (int i = 0; i < t.length; i++) {
            // any positive step times will do: the formula holds for the times given
            t[i] = d.timeEstimateMs[i] * (1 + 0.1 * (i % 7));
        }
        double[] e = EnergyTraining.energy(d, t, oof);
        int checked = 0;
        for (int[] g : Evaluator.groups(rows)) {
            double level = 0;
            for (int i : g) {
                level += oof.logDirect()[i] - oof.logWithin()[i];
            }
            level /= g.length;
            double lnWithin = 0;
            double lnDirect = 0;
            for (int i : g) {
                double est = d.timeEstimateMs[i];
                double product = t[i] * Math.exp(oof.logPower()[i]);
                double direct = est * Math.exp(oof.logDirect()[i]);
                double within = est * Math.exp(oof.logWithin()[i] + level);
                assertEquals(1.0, e[i] / Math.cbrt(product * direct * within), 1e-9);
                lnWithin += Math.log(within);
                lnDirect += Math.log(direct);
                checked++;
            }
            // the within-workload estimates sit at the direct ones' geometric mean
            assertEquals(lnDirect / g.length, lnWithin / g.length, 1e-9);
        }
        assertEquals(d.size(), checked);
    }

    @Test
    void crossValidationKeepsTheCloserEnergyFormAndReportsBoth() {
        TrainResult r = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(40, 5).withFolds(3));
        double product = r.transformMape().get(EnergyTraining.FORM_PRODUCT);
        double ofThree = r.transformMape().get(EnergyTraining.FORM_OF_THREE);
        assertTrue(product > 0 && ofThree > 0 && product != ofThree, product + " " + ofThree);
        double kept = ((Number) r.model().metadata().crossValidation().get("energy_mape")).doubleValue();
        assertEquals(Math.min(product, ofThree), kept);
        assertEquals(ofThree <= product, r.model().energyLevelModel() != null);
        assertEquals(ofThree <= product, r.model().energyWithinModel() != null);
        assertTrue(r.model().predictsEnergy());
    }
}
