package io.accessplan.model.train;

import io.accessplan.model.StrategyModel;
import org.tribuo.Model;
import org.tribuo.Trainer;
import org.tribuo.regression.Regressor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Energy learned as step time is, from the same encoder's features: the regressor
 * {@link StrategyModel#ENERGY} learns the log of a step's mean power, {@code ln(energy_j /
 * step_time_ms)}, so a predicted energy is the predicted step time times the predicted mean power.
 * Power varies far less across strategies and sizes than energy does (it is bounded by the idle
 * floor and the board limit), so the regressor's error adds little to the step time's. Rows
 * without an energy (null {@code energy_j}: not measured) take no part.
 */
final class EnergyTraining {
    /** Fewest rows with an energy before a model gets an energy regressor. */
    static final int MIN_ROWS = 10;

    private EnergyTraining() {
    }

    /** Rows of {@code among} that fit and have a positive, finite energy. */
    static int[] rows(EncodedRows d, int[] among) {
        return Arrays.stream(among).filter(i -> d.rows.get(i).fits() && energy(d, i) > 0
                && Double.isFinite(energy(d, i))).toArray();
    }

    static double energy(EncodedRows d, int i) {
        return d.rows.get(i).measurement().energyJ();
    }

    /** The learned target: ln(mean power) = ln(energy_j / step_time_ms). */
    static double[] target(EncodedRows d, int[] idx) {
        double[] y = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            y[k] = Math.log(energy(d, idx[k]) / d.stepTime(idx[k]));
        }
        return y;
    }

    /** Fits the energy regressor on some rows. */
    static Model<Regressor> fit(Trainer<Regressor> trainer, EncodedRows d, int[] idx, Map<String, String> run) {
        return Regressors.fit(trainer, StrategyModel.ENERGY, d.names, d.features(idx), target(d, idx), run);
    }

    /** Out-of-fold log mean power of every row (NaN where a row is in no fold's test set or its fold had no energy). */
    static double[] outOfFold(EncodedRows d, List<CrossValidation.Fold> folds, Trainer<Regressor> trainer,
                              Map<String, String> run) {
        double[] out = new double[d.size()];
        Arrays.fill(out, Double.NaN);
        for (CrossValidation.Fold f : folds) {
            int[] tr = rows(d, f.train());
            int[] te = rows(d, f.test());
            if (tr.length < MIN_ROWS || te.length == 0) {
                continue;
            }
            // every held-out row gets a power, measured energy or not: choosing by energy needs one for
            // every candidate the model predicts to fit, and a lookup has no measurement to go by
            int[] all = f.test();
            double[] p = Regressors.predict(fit(trainer, d, tr, run), d.names, d.features(all));
            for (int k = 0; k < all.length; k++) {
                out[all[k]] = p[k];
            }
        }
        return out;
    }

    /**
     * Mean absolute percentage error of energy predicted as out-of-fold step time (ms) times
     * out-of-fold mean power, over rows with both and a measured energy; NaN where none.
     */
    static double mape(EncodedRows d, double[] timeMs, double[] logPower) {
        double sum = 0;
        int n = 0;
        for (int i : rows(d, java.util.stream.IntStream.range(0, d.size()).toArray())) {
            if (Double.isNaN(timeMs[i]) || Double.isNaN(logPower[i])) {
                continue;
            }
            double pred = timeMs[i] * Math.exp(logPower[i]);
            sum += Math.abs(pred - energy(d, i)) / energy(d, i);
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
