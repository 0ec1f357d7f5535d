package io.accessplan.model.evaluate;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.plan.Planner;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.Stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Energy beside time in an evaluation, on the rows that have a measured energy: the model's
 * energy MAPE, the energy regret of each method's choice (energy of the choice / least energy of
 * a truly fitting strategy - 1; the choices are the time rule's, as {@link Evaluator} makes them),
 * and, on workloads where {@code keep} does not truly fit, how much step time and energy the
 * model's choice saves over the {@code heuristic} baseline's (full recomputation there).
 *
 * @param energyMape       mean |predicted - measured| / measured energy over fitting rows with energy (NaN: none)
 * @param energyRegret     mean energy regret by method: {@code model}, then the baselines
 * @param keepMissWorkloads workloads where keep does not truly fit and both choices fit with an energy
 * @param stepTimeSaving   mean of 1 - time(model) / time(heuristic) over those workloads
 * @param energySaving     mean of 1 - energy(model) / energy(heuristic) over those workloads
 */
public record EnergyEvaluation(double energyMape, Map<String, Double> energyRegret, int keepMissWorkloads,
                               double stepTimeSaving, double energySaving) {

    private static final Strategy KEEP = new Strategy(ActivationPolicy.KEEP, 1, false);
    private static final Strategy FULL = new Strategy(ActivationPolicy.FULL, 1, false);

    /** Evaluates energy for a model on rows, given the report of its time evaluation on the same rows. */
    public static EnergyEvaluation of(StrategyModel model, List<Observation> rows, EvaluationReport report) {
        Map<String, Strategy> modelChoice = new LinkedHashMap<>();
        for (EvaluationReport.WorkloadResult r : report.workloads()) {
            modelChoice.put(r.workload().id(), r.chosen());
        }
        double sumApe = 0;
        int nApe = 0;
        Map<String, List<Double>> regrets = new LinkedHashMap<>();
        for (String m : List.of("model", "heuristic", "always-full")) {
            regrets.put(m, new ArrayList<>());
        }
        List<Double> timeSave = new ArrayList<>();
        List<Double> energySave = new ArrayList<>();
        for (int[] g : Evaluator.groups(rows)) {
            Workload w = rows.get(g[0]).workload();
            Map<Strategy, Observation> by = new LinkedHashMap<>();
            for (int i : g) {
                by.put(rows.get(i).strategy(), rows.get(i));
            }
            if (model.predictsEnergy()) {
                List<Strategy> ss = new ArrayList<>(by.keySet());
                List<Analysis> as = Analysis.all(w, ss);
                List<Prediction> ps = model.predict(as, w);
                double[] e = model.energyJ(as, ps);
                for (int k = 0; k < ss.size(); k++) {
                    Observation o = by.get(ss.get(k));
                    double y = o.measurement().energyJ();
                    if (o.fits() && y > 0 && Double.isFinite(e[k])) {
                        sumApe += Math.abs(e[k] - y) / y;
                        nApe++;
                    }
                }
            }
            double least = Double.POSITIVE_INFINITY;
            for (Observation o : by.values()) {
                if (o.fits() && o.measurement().energyJ() > 0) {
                    least = Math.min(least, o.measurement().energyJ());
                }
            }
            if (least == Double.POSITIVE_INFINITY) {
                continue;
            }
            boolean keepFits = KEEP.validFor(w) && Planner.plan(w, KEEP).fits();
            Map<String, Strategy> choice = new LinkedHashMap<>();
            choice.put("model", modelChoice.get(w.id()));
            choice.put("heuristic", keepFits ? KEEP : FULL);
            choice.put("always-full", FULL);
            for (Map.Entry<String, Strategy> c : choice.entrySet()) {
                Observation o = c.getValue() == null ? null : by.get(c.getValue());
                if (o != null && o.fits() && o.measurement().energyJ() > 0) {
                    regrets.get(c.getKey()).add(o.measurement().energyJ() / least - 1);
                }
            }
            Observation keep = by.get(KEEP);
            Observation mine = choice.get("model") == null ? null : by.get(choice.get("model"));
            Observation heur = by.get(choice.get("heuristic"));
            if ((keep == null || !keep.fits()) && mine != null && heur != null && mine.fits() && heur.fits()
                    && mine.measurement().energyJ() > 0 && heur.measurement().energyJ() > 0) {
                timeSave.add(1 - mine.measurement().stepTimeMs() / heur.measurement().stepTimeMs());
                energySave.add(1 - mine.measurement().energyJ() / heur.measurement().energyJ());
            }
        }
        Map<String, Double> meanRegret = new LinkedHashMap<>();
        regrets.forEach((k, v) -> meanRegret.put(k, v.isEmpty() ? Double.NaN
                : Stats.mean(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return new EnergyEvaluation(nApe == 0 ? Double.NaN : sumApe / nApe, meanRegret, timeSave.size(),
                timeSave.isEmpty() ? Double.NaN : Stats.mean(timeSave.stream().mapToDouble(Double::doubleValue).toArray()),
                energySave.isEmpty() ? Double.NaN
                        : Stats.mean(energySave.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /** The fields of {@code evaluate --json}: {@code energy_mape}, and the {@code energy} object. */
    public Map<String, Object> toMap() {
        Map<String, Object> vs = new LinkedHashMap<>();
        vs.put("workloads", keepMissWorkloads);
        vs.put("step_time_saving", stepTimeSaving);
        vs.put("energy_saving", energySaving);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("energy_regret", new LinkedHashMap<>(energyRegret));
        e.put("vs_heuristic_where_keep_does_not_fit", vs);
        return e;
    }
}
