package io.accessplan.model.train;

import io.accessplan.model.StrategyModel;

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

    /** The job of fitting the energy regressor on some rows. */
    static Regressors.Job job(TrainOptions o, EncodedRows d, int[] idx, Map<String, String> run) {
        return new Regressors.Job(false, StrategyModel.ENERGY, d.names, d.features(idx), target(d, idx),
                Map.copyOf(run));
    }

    /**
     * Out-of-fold log mean power of every row (NaN where a row is in no fold's test set or its fold
     * had no energy), the folds' regressors fitted side by side ({@link Regressors#fitAll}).
     */
    static double[] outOfFold(EncodedRows d, List<CrossValidation.Fold> folds, TrainOptions o,
                              Map<String, String> run) {
        double[] out = new double[d.size()];
        Arrays.fill(out, Double.NaN);
        List<int[]> tests = new java.util.ArrayList<>();
        List<Regressors.Job> jobs = new java.util.ArrayList<>();
        for (CrossValidation.Fold f : folds) {
            int[] tr = rows(d, f.train());
            int[] te = rows(d, f.test());
            if (tr.length < MIN_ROWS || te.length == 0) {
                continue;
            }
            // every held-out row gets a power, measured energy or not: choosing by energy needs one for
            // every candidate the model predicts to fit, and a lookup has no measurement to go by
            tests.add(f.test());
            jobs.add(job(o, d, tr, run));
        }
        List<double[]> preds = Regressors.fitPredictAll(o, jobs, tests.stream().map(d::features).toList());
        for (int j = 0; j < tests.size(); j++) {
            int[] te = tests.get(j);
            double[] p = preds.get(j);
            for (int k = 0; k < te.length; k++) {
                out[te[k]] = p[k];
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
