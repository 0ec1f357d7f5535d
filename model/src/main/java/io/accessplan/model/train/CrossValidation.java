package io.accessplan.model.train;

import io.accessplan.model.Choice;
import io.accessplan.model.Observation;
import io.accessplan.model.PeakMargins;
import io.accessplan.model.Stats;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.TargetTransform;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.features.plan.Plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Cross-validation that never splits what must stay unseen: {@link #grouped} keeps every row of
 * one architecture ({@code Workload.architectureId()}) in one fold, so a held-out model is
 * unseen in every size, batch and device; {@link #byDevice} holds out one GPU at a time.
 */
public final class CrossValidation {
    private CrossValidation() {
    }

    /**
     * One split.
     *
     * @param name  what is held out
     * @param train row indices to train on
     * @param test  row indices held out
     */
    public record Fold(String name, int[] train, int[] test) {
    }

    /**
     * K folds grouped by architecture: the architectures are shuffled with the seed, then each,
     * largest first, joins the fold with the fewest rows so far (balanced, deterministic).
     */
    public static List<Fold> grouped(List<Observation> rows, int k, long seed) {
        Map<String, List<Integer>> byArch = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byArch.computeIfAbsent(rows.get(i).workload().architectureId(), a -> new ArrayList<>()).add(i);
        }
        if (k < 2 || k > byArch.size()) {
            throw new IllegalArgumentException("Invalid number of folds: " + k + " (" + byArch.size()
                    + " architectures)");
        }
        List<List<Integer>> groups = new ArrayList<>(byArch.values());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = groups.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            List<Integer> t = groups.get(i);
            groups.set(i, groups.get(j));
            groups.set(j, t);
        }
        groups.sort(Comparator.comparingInt((List<Integer> g) -> g.size()).reversed());
        List<List<Integer>> test = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            test.add(new ArrayList<>());
        }
        for (List<Integer> g : groups) {
            List<Integer> smallest = test.stream().min(Comparator.comparingInt(List::size)).orElseThrow();
            smallest.addAll(g);
        }
        List<Fold> out = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            out.add(fold("fold-" + (f + 1), rows.size(), test.get(f)));
        }
        return out;
    }

    /** One fold per device: train on every other GPU, test on this one. */
    public static List<Fold> byDevice(List<Observation> rows) {
        Map<String, List<Integer>> byDev = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byDev.computeIfAbsent(rows.get(i).workload().device().name(), a -> new ArrayList<>()).add(i);
        }
        List<Fold> out = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : byDev.entrySet()) {
            out.add(fold(e.getKey(), rows.size(), e.getValue()));
        }
        return out;
    }

    private static Fold fold(String name, int n, List<Integer> testList) {
        int[] test = testList.stream().mapToInt(Integer::intValue).sorted().toArray();
        boolean[] held = new boolean[n];
        for (int i : test) {
            held[i] = true;
        }
        int[] train = new int[n - test.length];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!held[i]) {
                train[k++] = i;
            }
        }
        return new Fold(name, train, test);
    }

    /**
     * Leave-one-device-out: for each GPU, trains on the others and evaluates on it. Targets the
     * options leave open are taken relative to the analytic estimates ({@link TargetTransform#LOG_RATIO}),
     * the form that transfers across devices. Safety margins are the model's own kind
     * ({@link PeakMargins} at {@link TrainOptions#marginQuantile()}), cross-fitted: a held-out GPU's
     * choices use margins fitted on the out-of-device residuals of the other GPUs only, so nothing
     * of the held-out GPU shapes its own evaluation. Choices by the predictor's rule ({@link Choice}).
     */
    public static Map<String, EvaluationReport> leaveOneDeviceOut(List<Observation> rows, TrainOptions o) {
        return leaveOneDeviceOut(EncodedRows.of(rows), o);
    }

    /** As {@link #leaveOneDeviceOut(List, TrainOptions)} on rows already encoded. */
    public static Map<String, EvaluationReport> leaveOneDeviceOut(EncodedRows d, TrainOptions o) {
        List<Observation> rows = d.rows;
        TargetTransform tt = o.timeTransform() != null ? o.timeTransform() : TargetTransform.LOG_RATIO;
        TargetTransform pt = o.peakTransform() != null ? o.peakTransform() : TargetTransform.LOG_RATIO;
        List<Fold> folds = byDevice(rows).stream().filter(f -> f.train().length > 0).toList();
        double[] t = stepTimeOutOfFold(d, folds, o, tt);
        double[] p = outOfFold(d, folds, o, false, pt);
        double[] margins = crossFittedMargins(d, p, folds, o.marginQuantile());
        Map<String, EvaluationReport> out = new LinkedHashMap<>();
        for (Fold f : folds) {
            double[] m = new double[f.test().length];
            for (int k = 0; k < m.length; k++) {
                m[k] = margins[f.test()[k]];
            }
            out.put(f.name(), subsetReport(d, f.test(), t, p, m));
        }
        return out;
    }

    /**
     * Per row, the safety margin of its out-of-fold peak prediction {@code p}, with margins
     * ({@link PeakMargins} at quantile {@code q}) fitted on the other folds' rows only; 0 for rows
     * in no test fold.
     */
    static double[] crossFittedMargins(EncodedRows d, double[] p, List<Fold> folds, double q) {
        double[] measured = d.peaks();
        double[] out = new double[d.size()];
        for (Fold f : folds) {
            PeakMargins others = PeakMargins.fit(measured, p, d.analyticPeak, d.strategies(), f.train(), q);
            for (int i : f.test()) {
                out[i] = others.margin(d.rows.get(i).strategy(), p[i], d.analyticPeak[i]);
            }
        }
        return out;
    }

    /** Evaluates out-of-fold predictions over given folds (targets left open default to log ratio). */
    public static EvaluationReport run(List<Observation> rows, List<Fold> folds, TrainOptions o, double safetyMargin) {
        EncodedRows d = EncodedRows.of(rows);
        TargetTransform tt = o.timeTransform() != null ? o.timeTransform() : TargetTransform.LOG_RATIO;
        TargetTransform pt = o.peakTransform() != null ? o.peakTransform() : TargetTransform.LOG_RATIO;
        double[] t = stepTimeOutOfFold(d, folds, o, tt);
        double[] p = outOfFold(d, folds, o, false, pt);
        int[] tested = folds.stream().flatMapToInt(f -> Arrays.stream(f.test())).sorted().distinct().toArray();
        return subsetReport(d, tested, t, p, safetyMargin);
    }

    static EvaluationReport subsetReport(EncodedRows d, int[] idx, double[] t, double[] p, double margin) {
        double[] margins = new double[idx.length];
        Arrays.fill(margins, margin);
        return subsetReport(d, idx, t, p, margins);
    }

    /** As above with a margin per held-out row (in the order of {@code idx}). */
    static EvaluationReport subsetReport(EncodedRows d, int[] idx, double[] t, double[] p, double[] margins) {
        List<Observation> rows = new ArrayList<>(idx.length);
        List<Plan> plans = new ArrayList<>(idx.length);
        double[] st = new double[idx.length];
        double[] sp = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            rows.add(d.rows.get(idx[k]));
            plans.add(d.exactPlans().get(idx[k]));
            st[k] = t[idx[k]];
            sp[k] = p[idx[k]];
        }
        return Evaluator.report(rows, plans, st, sp, margins, Stats.mean(margins));
    }

    /**
     * Out-of-fold predictions of one target in its natural unit (ms or bytes): for each fold, a
     * regressor trained on the fold's training rows predicts its test rows (the folds' regressors
     * fitted side by side, {@link Regressors#fitAll}). NaN where a row is in no test fold.
     */
    static double[] outOfFold(EncodedRows d, List<Fold> folds, TrainOptions o, boolean time, TargetTransform tt) {
        double[] out = new double[d.size()];
        Arrays.fill(out, Double.NaN);
        String target = time ? StrategyModel.STEP_TIME : StrategyModel.PEAK_MEMORY;
        List<Fold> used = new ArrayList<>();
        List<Regressors.Job> jobs = new ArrayList<>();
        for (Fold f : folds) {
            int[] tr = d.usable(f.train(), time);
            if (tr.length > 0) {
                used.add(f);
                jobs.add(new Regressors.Job(false, target, d.names, d.features(tr), d.target(tr, time, tt),
                        Map.of("fold", f.name(), "target_transform", tt.id())));
            }
        }
        List<double[]> preds = Regressors.fitPredictAll(o, jobs, used.stream().map(f -> d.features(f.test())).toList());
        for (int j = 0; j < used.size(); j++) {
            int[] test = used.get(j).test();
            double[] pred = preds.get(j);
            for (int k = 0; k < test.length; k++) {
                int i = test[k];
                out[i] = tt.inverse(pred[k], time ? d.timeEstimateMs[i] : d.analyticPeak[i]);
            }
        }
        return out;
    }

    /**
     * Out-of-fold step times as the model predicts them, in the form the options fix
     * ({@link TrainOptions#stepLevel()}, {@link StepLevel#ABSOLUTE} where they leave it open):
     * {@link #stepTimesOutOfFold} of that form alone.
     */
    static double[] stepTimeOutOfFold(EncodedRows d, List<Fold> folds, TrainOptions o, TargetTransform tt) {
        StepLevel form = o.stepLevel() != null ? o.stepLevel() : StepLevel.ABSOLUTE;
        return stepTimesOutOfFold(d, folds, o, tt, EnumSet.of(form)).get(form);
    }

    /**
     * Out-of-fold step times as the model predicts them, in each of the given level forms on the
     * same folds: the within-workload regressor's ranking ({@link StrategyModel#RANK}) placed at
     * each workload's level, from the absolute regressor over the workload's rows
     * ({@link StrategyModel#absoluteLevel}) or from the workload-level regressor on its one row
     * ({@link StrategyModel#LEVEL}), and turned into a step time by {@link StrategyModel#stepTimeMs},
     * the functions a lookup uses. The rank regressor is shared by the forms, so they rank alike.
     * Every fold's regressors are fitted side by side ({@link Regressors#fitAll}). NaN where a row
     * is in no test fold.
     */
    static Map<StepLevel, double[]> stepTimesOutOfFold(EncodedRows d, List<Fold> folds, TrainOptions o,
                                                       TargetTransform tt, Set<StepLevel> forms) {
        boolean absolute = forms.contains(StepLevel.ABSOLUTE);
        boolean regressor = forms.contains(StepLevel.REGRESSOR);
        double[] abs = new double[d.size()];
        double[] rel = new double[d.size()];
        double[] lvl = new double[d.size()];
        Arrays.fill(abs, Double.NaN);
        Arrays.fill(rel, Double.NaN);
        Arrays.fill(lvl, Double.NaN);
        List<Fold> used = new ArrayList<>();
        List<Regressors.Job> jobs = new ArrayList<>();
        List<List<double[]>> tests = new ArrayList<>();
        List<int[]> levelRowsOf = new ArrayList<>();
        for (Fold f : folds) {
            int[] tr = d.usable(f.train(), true);
            if (tr.length == 0) {
                continue;
            }
            used.add(f);
            Map<String, String> run = Map.of("fold", f.name(), "target_transform", tt.id());
            List<double[]> x = d.features(f.test());
            jobs.add(rankJob(d, tr, tt, run));
            tests.add(x);
            if (absolute) {
                jobs.add(new Regressors.Job(false, StrategyModel.STEP_TIME, d.names, d.features(tr),
                        d.target(tr, true, tt), run));
                tests.add(x);
            }
            if (regressor) {
                // one row per held-out workload: the first of its rows stands for it
                int[] firsts = Evaluator.groups(rowsOf(d, f.test())).stream()
                        .mapToInt(g -> f.test()[g[0]]).toArray();
                levelRowsOf.add(firsts);
                jobs.add(levelJob(d, tr, tt, run));
                tests.add(Arrays.stream(firsts).mapToObj(d::levelRow).toList());
            }
        }
        List<double[]> preds = Regressors.fitPredictAll(o, jobs, tests);
        int per = 1 + (absolute ? 1 : 0) + (regressor ? 1 : 0);
        for (int j = 0; j < used.size(); j++) {
            int[] test = used.get(j).test();
            double[] r = preds.get(per * j);
            for (int k = 0; k < test.length; k++) {
                rel[test[k]] = r[k];
            }
            if (absolute) {
                double[] a = preds.get(per * j + 1);
                for (int k = 0; k < test.length; k++) {
                    abs[test[k]] = a[k];
                }
            }
            if (regressor) {
                double[] l = preds.get(per * j + per - 1);
                int[] firsts = levelRowsOf.get(j);
                for (int k = 0; k < firsts.length; k++) {
                    lvl[firsts[k]] = l[k];
                }
            }
        }
        Map<StepLevel, double[]> out = new EnumMap<>(StepLevel.class);
        if (absolute) {
            out.put(StepLevel.ABSOLUTE, combine(d, rel, tt, g -> {
                double[] a = Arrays.stream(g).mapToDouble(i -> abs[i]).toArray();
                double[] w = Arrays.stream(g).mapToDouble(i -> rel[i]).toArray();
                return StrategyModel.absoluteLevel(a, w);
            }));
        }
        if (regressor) {
            out.put(StepLevel.REGRESSOR, combine(d, rel, tt, g -> lvl[g[0]]));
        }
        return out;
    }

    private static List<Observation> rowsOf(EncodedRows d, int[] idx) {
        return Arrays.stream(idx).mapToObj(d.rows::get).toList();
    }

    /** The within-workload regressor's job on the fitting rows {@code fit} (targets centred on each workload's). */
    static Regressors.Job rankJob(EncodedRows d, int[] fit, TargetTransform tt, Map<String, String> run) {
        return new Regressors.Job(true, StrategyModel.RANK, d.names, d.features(fit),
                d.relativeTarget(fit, tt), run);
    }

    /**
     * The workload-level regressor's job ({@link StrategyModel#LEVEL}) on the fitting rows
     * {@code fit}: one row per workload ({@link EncodedRows#levels}); its trainer and settings are
     * the level regressor's own ({@link Regressors#trainer(TrainOptions, Regressors.Job)}).
     */
    static Regressors.Job levelJob(EncodedRows d, int[] fit, TargetTransform tt, Map<String, String> run) {
        EncodedRows.Levels l = d.levels(fit, tt);
        return new Regressors.Job(false, StrategyModel.LEVEL, d.names, l.x(), l.y(), run);
    }

    /**
     * Per workload whose rows all have a within-workload prediction: time = {@link StrategyModel#stepTimeMs}
     * of each row's at the workload's level ({@code level} of the group's row indices, in order); NaN elsewhere.
     */
    private static double[] combine(EncodedRows d, double[] rel, TargetTransform tt,
                                    java.util.function.ToDoubleFunction<int[]> level) {
        double[] out = new double[d.size()];
        Arrays.fill(out, Double.NaN);
        for (int[] g : Evaluator.groups(d.rows)) {
            int[] held = Arrays.stream(g).filter(i -> !Double.isNaN(rel[i])).toArray();
            if (held.length == 0) {
                continue;
            }
            double at = level.applyAsDouble(held);
            for (int i : held) {
                out[i] = StrategyModel.stepTimeMs(tt, rel[i], at, d.timeEstimateMs[i]);
            }
        }
        return out;
    }
}
