package io.accessplan.model.train;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import io.accessplan.model.StrategyModel;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The Tribuo side of training: the trainer a {@link TrainOptions} names, the Tribuo dataset of an
 * encoded feature matrix, fitting with provenance, batch prediction. The flow is Tribuo's own:
 * examples, then a {@link MutableDataset}, then a {@link Trainer}, then a {@link Model} whose
 * provenance records the data source, the trainer and its settings, and the run's extras.
 *
 * <h2>Fits run side by side, one thread each</h2>
 * A training run fits many independent regressors (three per fold, per held-out device, and the
 * final ones). {@link #fitAll} runs {@link TrainOptions#threads()} of them at once, each XGBoost fit
 * on one thread ({@link TrainerKind#XGBOOST}), rather than one at a time on every thread: an OpenMP
 * team synchronises at every tree level, and on a shared, loaded machine a team thread that is
 * descheduled keeps its partner spinning at the barrier. On this project's 2-core machine at a load
 * average of 9, one fold's peak regressor of the simulated standard sweep (63k rows, 150 trees) took
 * 26.4 s of process CPU time on two OpenMP threads, then 3.0 s on one in the same process (the first
 * fit also warmed the JVM up, which at a load of 2 cost well under a second: 3.7 s on one thread
 * first, then 3.6 s on two). The whole {@code train --leave-one-device-out} on that sweep went from
 * 520 s of CPU time to 187 s with this alone. One thread or two, the fitted model is the same (there:
 * 0 of 15,665 held-out predictions differed), which {@code RegressorsTest} checks bit for bit.
 */
final class Regressors {
    private static final RegressionFactory FACTORY = new RegressionFactory();

    private Regressors() {
    }

    /** The trainer of a regressor: the within-workload one's tree count, or the others'. */
    static Trainer<Regressor> trainer(TrainOptions o, boolean withinWorkload) {
        return o.trainerOptions().tribuo(o.seed(), withinWorkload);
    }

    /**
     * The trainer of a job: as {@link #trainer(TrainOptions, boolean)}, but with XGBoost the
     * peak-memory regressor ({@link StrategyModel#PEAK_MEMORY}) has its own tree count
     * ({@link XGBoostOptions#effectivePeakTrees()}) and the workload-level one
     * ({@link StrategyModel#LEVEL}) its own settings ({@link XGBoostOptions#levelTribuo}).
     */
    static Trainer<Regressor> trainer(TrainOptions o, Job j) {
        if (!j.withinWorkload() && o.trainerOptions() instanceof XGBoostOptions x) {
            if (StrategyModel.PEAK_MEMORY.equals(j.target())) {
                return x.peakTribuo(o.seed());
            }
            if (StrategyModel.LEVEL.equals(j.target())) {
                return x.levelTribuo(o.seed());
            }
        }
        return trainer(o, j.withinWorkload());
    }

    /** Fits a one-dimensional regressor of {@code y} on the rows {@code x}. */
    static Model<Regressor> fit(Trainer<Regressor> trainer, String target, List<String> names, List<double[]> x,
                                double[] y, Map<String, String> runInfo) {
        SimpleDataSourceProvenance source = new SimpleDataSourceProvenance("accessplan encoded rows, target "
                + target, FACTORY);
        MutableDataset<Regressor> data = new MutableDataset<>(source, FACTORY);
        String[] n = names.toArray(new String[0]);
        for (int i = 0; i < x.size(); i++) {
            data.add(new ArrayExample<>(new Regressor(target, y[i]), n, x.get(i)));
        }
        Map<String, Provenance> run = new HashMap<>();
        for (Map.Entry<String, String> e : runInfo.entrySet()) {
            run.put(e.getKey(), new StringProvenance(e.getKey(), e.getValue()));
        }
        return trainer.train(data, run);
    }

    /**
     * One regressor to fit: the options' trainer (with the within-workload regressor's tree count
     * where {@code withinWorkload}) on rows {@code x} with targets {@code y}, the run's extras
     * recorded in its provenance.
     */
    record Job(boolean withinWorkload, String target, List<String> names, List<double[]> x, double[] y, Map<String, String> run) {
    }

    /**
     * Fits every job, {@link TrainOptions#threads()} at a time, each with a trainer of its own (a
     * Tribuo XGBoost trainer trains one dataset at a time); the models in the order of the jobs.
     */
    static List<Model<Regressor>> fitAll(TrainOptions o, List<Job> jobs) {
        List<Callable<Model<Regressor>>> tasks = new ArrayList<>(jobs.size());
        for (Job j : jobs) {
            tasks.add(() -> fit(trainer(o, j), j.target(), j.names(), j.x(), j.y(), j.run()));
        }
        return inParallel(o.threads(), tasks);
    }

    /**
     * Fits every job and predicts its held-out rows ({@code tests}, one list per job), as
     * {@link #fitAll} then {@link #predict} would, {@link TrainOptions#threads()} jobs at a time: for
     * XGBoost straight from the feature matrix ({@link DirectXGBoost}, the same predictions), else
     * through Tribuo. For fits that only predict (a cross-validation's), never for a saved model.
     */
    static List<double[]> fitPredictAll(TrainOptions o, List<Job> jobs, List<List<double[]>> tests) {
        if (jobs.size() != tests.size()) {
            throw new IllegalArgumentException("Invalid fits: " + jobs.size() + " jobs, " + tests.size() + " test sets");
        }
        List<Callable<double[]>> tasks = new ArrayList<>(jobs.size());
        for (int k = 0; k < jobs.size(); k++) {
            Job j = jobs.get(k);
            List<double[]> test = tests.get(k);
            tasks.add(() -> {
                Trainer<Regressor> t = trainer(o, j);
                DirectXGBoost direct = DirectXGBoost.of(t, j.names());
                return direct != null ? direct.fitPredict(j.x(), j.y(), test)
                        : predict(fit(t, j.target(), j.names(), j.x(), j.y(), j.run()), j.names(), test);
            });
        }
        return inParallel(o.threads(), tasks);
    }

    /** Runs the tasks, {@code threads} at a time; their results in the order of the tasks. */
    private static <T> List<T> inParallel(int threads, List<Callable<T>> tasks) {
        int n = Math.min(threads, tasks.size());
        if (n <= 1) {
            List<T> out = new ArrayList<>(tasks.size());
            for (Callable<T> t : tasks) {
                try {
                    out.add(t.call());
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("Training failed: " + e, e);
                }
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "accessplan-fit");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>(tasks.size());
            for (Callable<T> t : tasks) {
                futures.add(pool.submit(t));
            }
            List<T> out = new ArrayList<>(tasks.size());
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Training was interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("Training failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Predicts every row through Tribuo in one batch. */
    static double[] predict(Model<Regressor> model, List<String> names, List<double[]> x) {
        String[] n = names.toArray(new String[0]);
        List<Example<Regressor>> ex = new ArrayList<>(x.size());
        for (double[] r : x) {
            ex.add(new ArrayExample<>(RegressionFactory.UNKNOWN_REGRESSOR, n, r));
        }
        List<Prediction<Regressor>> p = model.predict(ex);
        double[] out = new double[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).getOutput().getValues()[0];
        }
        return out;
    }
}
