package io.accessplan.model.train;

import io.accessplan.features.Measurement;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.model.Objective;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.SyntheticRows;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Energy learned like step time: trained, cross-validated, saved and loaded, absent from older files. */
class EnergyRegressorTest {

    /**
     * Synthetic rows with an energy: an idle floor over the step plus energy per FLOP and per
     * HBM byte (the form of the simulator's power model, with other constants).
     */
    static List<Observation> withEnergy(List<Observation> rows) {
        return rows.stream().map(o -> {
            Measurement m = o.measurement();
            double idleW = 0.1 * o.workload().device().memBandwidthGBps();   // a floor that differs by device
            double e = o.fits() ? idleW * m.stepTimeMs() / 1e3 + 0.6e-12 * m.flops() + 30e-12 * m.hbmBytes()
                    : Double.NaN;
            return new Observation(o.workload(), o.strategy(), new Measurement(m.backend(), m.repeats(),
                    m.stepTimeMs(), m.stepTimeMsStdev(), m.peakMemoryBytes(), m.oom(), m.pcieBytes(), m.hbmBytes(),
                    m.flops(), m.recomputeFlops(), m.detail(), e));
        }).toList();
    }

    @Test
    void energyIsLearnedCrossValidatedAndSurvivesTheModelFile() {
        List<Workload> ws = SyntheticRows.workloads(40, 5);
        List<Observation> rows = withEnergy(SyntheticRows.rows(ws));
        TrainResult r = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(40, 5).withFolds(3));
        StrategyModel m = r.model();
        assertTrue(m.predictsEnergy());
        double mape = ((Number) m.metadata().crossValidation().get("energy_mape")).doubleValue();
        assertTrue(mape > 0 && mape < 0.15, "energy MAPE " + mape);

        StrategyModel back = StrategyModel.fromBytes(m.toBytes(), "round trip");
        assertTrue(back.predictsEnergy());
        for (Workload w : SyntheticRows.workloads(5, 99)) {
            List<Analysis> as = Analysis.all(w, m.candidates(w));
            List<Prediction> ps = m.predict(as, w);
            double[] e = m.energyJ(as, ps);
            assertArrayEquals(e, back.energyJ(as, back.predict(as, w)));
            for (double j : e) {
                assertTrue(j > 0 && Double.isFinite(j));
            }
            int pick = Objective.ENERGY.choose(ps, e, 0.03);
            if (ps.get(pick).fits()) {
                for (int i = 0; i < ps.size(); i++) {
                    assertTrue(!ps.get(i).fits() || e[i] >= e[pick], "least energy among fitting");
                }
            }
        }
    }

    @Test
    void theCommandLinesTrainerKeepsTheEnergyRegressorBesideTheMeasuredFigures() {
        // train goes through MultiSourceTrainer, which re-assembles the model with its measured-row figures
        List<Observation> rows = withEnergy(SyntheticRows.rows(SyntheticRows.workloads(12, 3)));
        StrategyModel direct = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(10, 3).withFolds(0)).model();
        StrategyModel m = MultiSourceTrainer.train(rows, TrainOptions.defaults().withTrees(10, 3).withFolds(0), 1, 5)
                .train().model();
        assertTrue(m.predictsEnergy());
        StrategyModel back = StrategyModel.fromBytes(m.toBytes(), "round trip");
        assertTrue(back.predictsEnergy(), "and the file written keeps it");
        Workload w = rows.get(0).workload();
        List<Analysis> as = Analysis.all(w, m.candidates(w));
        assertArrayEquals(direct.energyJ(as, direct.predict(as, w)), back.energyJ(as, back.predict(as, w)));
    }

    @Test
    void rowsWithoutEnergyAndOlderFilesGiveNoEnergyRegressor() throws Exception {
        List<Observation> rows = SyntheticRows.rows(SyntheticRows.workloads(12, 3));
        StrategyModel m = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(10, 3).withFolds(0)).model();
        assertFalse(m.predictsEnergy());
        Workload w = rows.get(0).workload();
        List<Analysis> as = Analysis.all(w, m.candidates(w));
        for (double j : m.energyJ(as, m.predict(as, w))) {
            assertTrue(Double.isNaN(j));
        }
        try (InputStream in = getClass().getResourceAsStream("/io/accessplan/model/shipped-v4r.apmodel")) {
            if (in != null) {
                StrategyModel old = StrategyModel.fromBytes(in.readAllBytes(), "shipped-v4r");
                assertFalse(old.predictsEnergy(), "a file written before energy has none");
            }
        }
    }
}
