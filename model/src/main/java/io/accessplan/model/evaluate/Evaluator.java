package io.accessplan.model.evaluate;

import io.accessplan.model.Choice;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.Stats;
import io.accessplan.model.StrategyModel;
import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.encode.Roofline;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores strategy choices against measurements, per DESIGN.md "Evaluation protocol": rows are
 * grouped by workload id; each method chooses one strategy per workload among the measured ones;
 * regret = time(choice) / time(fastest strategy that truly fits) - 1; a choice that truly runs
 * out of memory is an oom. Methods:
 * <ul>
 *   <li>the model: the {@link Choice} rule the predictor answers users with, over its predictions
 *       (fit: predicted peak * (1 + safety margin) &lt;= capacity; the physics guard; the tie
 *       tolerance), so the metrics are those of the answers users get;</li>
 *   <li>{@code heuristic}: {@code keep} if the planner's analytic peak of {@code keep} fits, else
 *       {@code full} (what most users do);</li>
 *   <li>{@code analytic}: the planner's estimates ranked without learning: the fastest
 *       {@link Roofline} time among strategies whose analytic peak fits, else the least analytic peak;</li>
 *   <li>{@code always-full}: {@code full}.</li>
 * </ul>
 */
public final class Evaluator {
    /** The baseline names, in report order. */
    public static final List<String> BASELINES = List.of("heuristic", "analytic", "always-full");

    private static final Strategy KEEP = new Strategy(ActivationPolicy.KEEP, 1, false);
    private static final Strategy FULL = new Strategy(ActivationPolicy.FULL, 1, false);

    private Evaluator() {
    }

    /** Evaluates a model and the baselines on measured rows. */
    public static EvaluationReport evaluate(StrategyModel model, List<Observation> rows) {
        List<Analysis> as = analyse(rows);
        List<Plan> plans = exactPlans(rows);
        double[] t = new double[rows.size()];
        double[] p = new double[rows.size()];
        double[] margins = new double[rows.size()];
        Prediction[] preds = new Prediction[rows.size()];
        for (int[] g : groups(rows)) {
            List<Analysis> ga = new ArrayList<>(g.length);
            for (int i : g) {
                ga.add(as.get(i));
            }
            List<Prediction> gp = model.predict(ga, rows.get(g[0]).workload());
            for (int k = 0; k < g.length; k++) {
                preds[g[k]] = gp.get(k);
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            Prediction pr = preds[i];
            t[i] = pr.stepTimeMs();
            p[i] = pr.peakBytes();
            // the very margin the prediction applied, so that the fit test below is bit for bit its own
            margins[i] = model.safetyMargin(pr.strategy(), pr.peakBytes(), pr.analyticPeakBytes());
        }
        return report(rows, plans, t, p, margins, Stats.mean(margins));
    }

    /** The encoder's analysis of every row, one batch per workload as at lookup time. */
    public static List<Analysis> analyse(List<Observation> rows) {
        List<int[]> groups = groups(rows);
        Analysis[] out = new Analysis[rows.size()];
        groups.parallelStream().forEach(g -> {
            List<io.accessplan.features.Strategy> ss = new ArrayList<>(g.length);
            for (int i : g) {
                ss.add(rows.get(i).strategy());
            }
            List<Analysis> as = Analysis.all(rows.get(g[0]).workload(), ss);
            for (int k = 0; k < g.length; k++) {
                out[g[k]] = as.get(k);
            }
        });
        return java.util.Arrays.asList(out);
    }

    /**
     * The planner's exact plans of every row, from their schedules: the baselines rank by these
     * (the analytic peak "from the schedule alone" of DESIGN.md), not by the encoder's estimates.
     */
    public static List<Plan> exactPlans(List<Observation> rows) {
        return rows.parallelStream().map(o -> Planner.plan(o.workload(), o.strategy())).toList();
    }

    /** The report of given predictions (one per row) and the baselines on the same rows. */
    public static EvaluationReport report(List<Observation> rows, List<Plan> plans, double[] predTime, double[] predPeak,
                                   double margin) {
        double[] m = new double[rows.size()];
        java.util.Arrays.fill(m, margin);
        return report(rows, plans, predTime, predPeak, m, margin);
    }

    /** As above with a safety margin per row; {@code shown} is the margin the report states. */
    public static EvaluationReport report(List<Observation> rows, List<Plan> plans, double[] predTime, double[] predPeak,
                                   double[] margins, double shown) {
        double margin = shown;
        List<int[]> groups = groups(rows);
        List<EvaluationReport.WorkloadResult> details = new ArrayList<>();
        Metrics model = score(rows, groups, predTime, predPeak, margins, Choice.DEFAULT_TIE_TOLERANCE, details);
        int n = rows.size();
        double[] aTime = new double[n];
        double[] aPeak = new double[n];
        double[] heur = new double[n];
        double[] full = new double[n];
        for (int[] g : groups) {
            Workload w = rows.get(g[0]).workload();
            boolean keepFits = KEEP.validFor(w) && Planner.plan(w, KEEP).fits();
            Strategy h = keepFits ? KEEP : FULL;
            for (int i : g) {
                Plan p = plans.get(i);
                aTime[i] = Roofline.of(p).stepTimeMs();
                aPeak[i] = p.peakMemoryBytes();
                Strategy s = rows.get(i).strategy();
                heur[i] = s.equals(h) ? 0 : 1;
                full[i] = s.equals(FULL) ? 0 : 1;
            }
        }
        Map<String, Metrics> base = new LinkedHashMap<>();
        base.put("heuristic", fixedChoice(rows, groups, heur));
        base.put("analytic", score(rows, groups, aTime, aPeak, new double[n], -1, null));
        base.put("always-full", fixedChoice(rows, groups, full));
        List<EvaluationReport.RowPrediction> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            points.add(new EvaluationReport.RowPrediction(rows.get(i), predTime[i], predPeak[i]));
        }
        return new EvaluationReport(model, base, margin, points, details,
                allOrNothing(rows, predTime, predPeak, margins));
    }

    /**
     * The model's metrics choosing among the rows without a layer count (the all-or-nothing space),
     * with the same predictions and margins; null where no row has a partial policy.
     */
    private static Metrics allOrNothing(List<Observation> rows, double[] predTime, double[] predPeak,
                                        double[] margins) {
        int[] keep = java.util.stream.IntStream.range(0, rows.size()).filter(i -> !rows.get(i).strategy().isPartial())
                .toArray();
        if (keep.length == rows.size()) {
            return null;
        }
        List<Observation> sub = new ArrayList<>(keep.length);
        double[] t = new double[keep.length];
        double[] p = new double[keep.length];
        double[] m = new double[keep.length];
        for (int k = 0; k < keep.length; k++) {
            sub.add(rows.get(keep[k]));
            t[k] = predTime[keep[k]];
            p[k] = predPeak[keep[k]];
            m[k] = margins[keep[k]];
        }
        return score(sub, groups(sub), t, p, m, Choice.DEFAULT_TIE_TOLERANCE, null);
    }

    /**
     * The metrics of choosing, per workload, by the {@link Choice} rule with its default tie
     * tolerance, a row fitting when its predicted peak * (1 + margin) fits the device.
     *
     * @param rows     measured rows (several strategies per workload)
     * @param predTime predicted step time of each row (ms)
     * @param predPeak predicted peak memory of each row (bytes)
     * @param margin   memory safety margin
     */
    public static Metrics score(List<Observation> rows, double[] predTime, double[] predPeak, double margin) {
        double[] m = new double[rows.size()];
        java.util.Arrays.fill(m, margin);
        return score(rows, groups(rows), predTime, predPeak, m, Choice.DEFAULT_TIE_TOLERANCE, null);
    }

    /**
     * Chooses per workload: with {@code tolerance >= 0} by the {@link Choice} rule; with a negative
     * one (the analytic baseline: estimates ranked without anything added) the fastest fitting,
     * else the least peak.
     */
    private static Metrics score(List<Observation> rows, List<int[]> groups, double[] predTime, double[] predPeak,
                                 double[] margin, double tolerance, List<EvaluationReport.WorkloadResult> details) {
        int[] choice = new int[groups.size()];
        for (int gi = 0; gi < groups.size(); gi++) {
            int[] g = groups.get(gi);
            if (tolerance >= 0) {
                List<Strategy> ss = new ArrayList<>(g.length);
                double[] t = new double[g.length];
                double[] p = new double[g.length];
                boolean[] f = new boolean[g.length];
                for (int k = 0; k < g.length; k++) {
                    int i = g[k];
                    ss.add(rows.get(i).strategy());
                    t[k] = predTime[i];
                    p[k] = predPeak[i];
                    f[k] = predPeak[i] * (1 + margin[i]) <= rows.get(i).workload().device().memoryBytes();
                }
                choice[gi] = g[Choice.decide(ss, t, p, f, tolerance).chosen()];
                continue;
            }
            choice[gi] = fastestFitting(rows, g, predTime, predPeak, margin);
        }
        Metrics m = metrics(rows, groups, choice, details);
        return new Metrics(m.workloads(), m.top1Accuracy(), m.meanRegret(), m.p95Regret(), m.oomRate(),
                mape(rows, predTime, true), mape(rows, predPeak, false), m.top1WithinNoise());
    }

    /** The fastest row of a group whose peak times one plus its margin fits, else the least peak. */
    private static int fastestFitting(List<Observation> rows, int[] g, double[] predTime, double[] predPeak,
                                      double[] margin) {
        int best = -1;
        int least = -1;
        for (int i : g) {
            long cap = rows.get(i).workload().device().memoryBytes();
            if (predPeak[i] * (1 + margin[i]) <= cap && (best < 0 || predTime[i] < predTime[best])) {
                best = i;
            }
            if (least < 0 || predPeak[i] < predPeak[least]) {
                least = i;
            }
        }
        return best >= 0 ? best : least;
    }

    /**
     * The {@code analytic} baseline's choice in each group of rows (row indices): the fastest
     * {@link Roofline} time among rows whose exact analytic peak fits, else the least analytic peak.
     *
     * @param plans the planner's exact plan of each row ({@link #exactPlans})
     */
    public static int[] analyticChoices(List<Observation> rows, List<int[]> groups, List<Plan> plans) {
        int n = rows.size();
        double[] t = new double[n];
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = Roofline.of(plans.get(i)).stepTimeMs();
            p[i] = plans.get(i).peakMemoryBytes();
        }
        double[] none = new double[n];
        return groups.stream().mapToInt(g -> fastestFitting(rows, g, t, p, none)).toArray();
    }

    private static Metrics fixedChoice(List<Observation> rows, List<int[]> groups, double[] rank) {
        int[] choice = new int[groups.size()];
        for (int gi = 0; gi < groups.size(); gi++) {
            int best = -1;
            for (int i : groups.get(gi)) {
                if (best < 0 || rank[i] < rank[best]) {
                    best = i;
                }
            }
            choice[gi] = best;
        }
        return metrics(rows, groups, choice, null);
    }

    private static Metrics metrics(List<Observation> rows, List<int[]> groups, int[] choice,
                                   List<EvaluationReport.WorkloadResult> details) {
        int counted = 0;
        int top1 = 0;
        int oom = 0;
        int withinNoise = 0;
        boolean noiseKnown = true;   // every miss's rows carry a spread
        List<Double> regrets = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            int best = -1;
            for (int i : groups.get(gi)) {
                if (rows.get(i).fits() && (best < 0
                        || rows.get(i).measurement().stepTimeMs() < rows.get(best).measurement().stepTimeMs())) {
                    best = i;
                }
            }
            if (best < 0) {
                continue;   // nothing truly fits: no best to regret against
            }
            counted++;
            Observation c = rows.get(choice[gi]);
            double bestMs = rows.get(best).measurement().stepTimeMs();
            double regret = Double.NaN;
            boolean isTop1 = false;
            if (!c.fits()) {
                oom++;
            } else {
                regret = c.measurement().stepTimeMs() / bestMs - 1;
                regrets.add(regret);
                isTop1 = regret <= 1e-12;
                if (isTop1) {
                    top1++;
                    withinNoise++;
                } else {
                    Measurement cm = c.measurement();
                    Measurement bm = rows.get(best).measurement();
                    Boolean w = Metrics.withinNoise(cm.stepTimeMs(), cm.stepTimeMsStdev(), cm.repeats(),
                            bm.stepTimeMs(), bm.stepTimeMsStdev(), bm.repeats());
                    if (w == null) {
                        noiseKnown = false;
                    } else if (w) {
                        withinNoise++;
                    }
                }
            }
            if (details != null) {
                details.add(new EvaluationReport.WorkloadResult(c.workload(), c.strategy(), rows.get(best).strategy(),
                        regret, !c.fits(), isTop1));
            }
        }
        double[] r = regrets.stream().mapToDouble(Double::doubleValue).toArray();
        return new Metrics(counted, counted == 0 ? Double.NaN : (double) top1 / counted, Stats.mean(r),
                Stats.quantile(r, 0.95), counted == 0 ? Double.NaN : (double) oom / counted, Double.NaN, Double.NaN,
                counted == 0 || !noiseKnown ? Double.NaN : (double) withinNoise / counted);
    }

    private static double mape(List<Observation> rows, double[] pred, boolean time) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < rows.size(); i++) {
            Observation o = rows.get(i);
            if (time && !o.fits() || !time && !o.peakIsWhole() || !Double.isFinite(pred[i])) {
                continue;   // no time where it did not fit; no score for a lower-bound peak
            }
            double y = time ? o.measurement().stepTimeMs() : o.measurement().peakMemoryBytes();
            if (y <= 0) {
                continue;
            }
            sum += Math.abs(pred[i] - y) / y;
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Row indices grouped by workload id, in order of first appearance. */
    public static List<int[]> groups(List<Observation> rows) {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            m.computeIfAbsent(rows.get(i).workload().id(), k -> new ArrayList<>()).add(i);
        }
        List<int[]> out = new ArrayList<>(m.size());
        for (List<Integer> l : m.values()) {
            out.add(l.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }
}
