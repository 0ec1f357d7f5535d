package io.accessplan.model.evaluate;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.model.Choice;
import io.accessplan.model.Objective;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Energy beside time in an evaluation, on the rows that have a measured energy: the model's
 * energy MAPE; the energy regret of each method's choice (energy of the choice / least energy of
 * a truly fitting strategy - 1), for the model's time choice ({@link Evaluator}'s), the model's
 * {@link Objective#ENERGY} choice where it predicts energy, and every baseline; how choosing by
 * energy differs from choosing by time ({@link ObjectiveComparison}); and, on workloads where
 * {@code keep} does not truly fit, how much step time and energy the model's choice saves over the
 * {@code heuristic} baseline's.
 *
 * <p>How each method's energy choice is taken ({@link #ENERGY_CHOICE}): the baselines rank by time
 * or by nothing, and none has an energy estimate of its own (the planner has none: the power model
 * is the simulator's, {@code collector.sim.PowerModel}, and the baselines must not peek at the
 * backend), so their energy regret is that of their one choice.
 *
 * @param energyMape         mean |predicted - measured| / measured energy over fitting rows with energy (NaN: none)
 * @param energyRegret       mean energy regret by method: {@code model}, {@code model-energy} (where the model
 *                           predicts energy), then the baselines
 * @param keepMissWorkloads  workloads where keep does not truly fit and both choices truly fit
 * @param stepTimeSaving     mean of 1 - time(model) / time(heuristic) over those workloads
 * @param energySaving       mean of 1 - energy(model) / energy(heuristic) over those of them with both energies
 * @param keepMissEnergyWorkloads of those workloads, how many have both energies
 * @param keepMissAll        workloads where keep does not truly fit and something does
 * @param keepMissHeuristicOom of those, where the heuristic's choice truly does not fit
 * @param keepMissModelOom   of those, where the model's choice truly does not fit
 * @param objectives         choosing by energy against choosing by time, over the model's predictions (null where
 *                           the model has no energy regressor)
 */
public record EnergyEvaluation(double energyMape, Map<String, Double> energyRegret, int keepMissWorkloads,
                               double stepTimeSaving, double energySaving, int keepMissEnergyWorkloads,
                               int keepMissAll, int keepMissHeuristicOom, int keepMissModelOom,
                               ObjectiveComparison objectives) {

    /** How each method's energy choice is taken, for the output. */
    public static final Map<String, String> ENERGY_CHOICE = Map.of(
            "model", "its time choice (the predictor's rule)",
            "model-energy", "its energy choice: least predicted energy among the strategies predicted to fit",
            "heuristic", "its one choice: keep if the planner's peak of keep fits, else full",
            "analytic", "its time choice: the planner has no energy estimate (the power model is the simulator's),"
                    + " so the fastest roofline time whose analytic peak fits",
            "always-full", "its one choice: full");

    private static final Strategy KEEP = new Strategy(ActivationPolicy.KEEP, 1, false);
    private static final Strategy FULL = new Strategy(ActivationPolicy.FULL, 1, false);

    /** Copies the map. */
    public EnergyEvaluation {
        energyRegret = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(energyRegret));
    }

    /** Evaluates energy for a model on rows, given the report of its time evaluation on the same rows. */
    public static EnergyEvaluation of(StrategyModel model, List<Observation> rows, EvaluationReport report) {
        Map<String, Strategy> modelChoice = new LinkedHashMap<>();
        for (EvaluationReport.WorkloadResult r : report.workloads()) {
            modelChoice.put(r.workload().id(), r.chosen());
        }
        List<int[]> groups = Evaluator.groups(rows);
        List<Plan> plans = Evaluator.exactPlans(rows);
        int[] analytic = Evaluator.analyticChoices(rows, groups, plans);
        boolean energyModel = model.predictsEnergy();
        Prediction[] preds = new Prediction[rows.size()];
        double[] predEnergy = new double[rows.size()];
        double sumApe = 0;
        int nApe = 0;
        Map<String, List<Double>> regrets = new LinkedHashMap<>();
        for (String m : energyModel ? List.of("model", "model-energy") : List.of("model")) {
            regrets.put(m, new ArrayList<>());
        }
        for (String b : Evaluator.BASELINES) {
            regrets.put(b, new ArrayList<>());
        }
        List<Double> timeSave = new ArrayList<>();
        List<Double> energySave = new ArrayList<>();
        int keepMiss = 0;
        int heurOom = 0;
        int modelOom = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            int[] g = groups.get(gi);
            Workload w = rows.get(g[0]).workload();
            Map<Strategy, Observation> by = new LinkedHashMap<>();
            for (int i : g) {
                by.put(rows.get(i).strategy(), rows.get(i));
            }
            Strategy energyChoice = null;
            if (energyModel) {
                List<Strategy> ss = new ArrayList<>(g.length);
                for (int i : g) {
                    ss.add(rows.get(i).strategy());
                }
                List<Analysis> as = Analysis.all(w, ss);
                StrategyModel.WithEnergy pe = model.predictWithEnergy(as, w);   // the analyses encoded once for both
                List<Prediction> ps = pe.predictions();
                double[] e = pe.energyJ();
                for (int k = 0; k < g.length; k++) {
                    preds[g[k]] = ps.get(k);
                    predEnergy[g[k]] = e[k];
                    Observation o = rows.get(g[k]);
                    double y = o.measurement().energyJ();
                    if (o.fits() && y > 0 && Double.isFinite(e[k])) {
                        sumApe += Math.abs(e[k] - y) / y;
                        nApe++;
                    }
                }
                energyChoice = ss.get(Objective.ENERGY.choose(ps, e, Choice.DEFAULT_TIE_TOLERANCE));
            }
            boolean keepFits = KEEP.validFor(w) && Planner.plan(w, KEEP).fits();
            Map<String, Strategy> choice = new LinkedHashMap<>();
            choice.put("model", modelChoice.get(w.id()));
            choice.put("model-energy", energyChoice);
            choice.put("heuristic", keepFits ? KEEP : FULL);
            choice.put("analytic", rows.get(analytic[gi]).strategy());
            choice.put("always-full", FULL);
            double least = Double.POSITIVE_INFINITY;
            for (Observation o : by.values()) {
                if (ObjectiveComparison.hasEnergy(o)) {
                    least = Math.min(least, o.measurement().energyJ());
                }
            }
            if (least < Double.POSITIVE_INFINITY) {
                for (Map.Entry<String, List<Double>> r : regrets.entrySet()) {
                    Strategy c = choice.get(r.getKey());
                    Observation o = c == null ? null : by.get(c);
                    if (o != null && ObjectiveComparison.hasEnergy(o)) {
                        r.getValue().add(o.measurement().energyJ() / least - 1);
                    }
                }
            }
            Observation keep = by.get(KEEP);
            boolean anyFits = by.values().stream().anyMatch(Observation::fits);
            if (keep != null && keep.fits() || !anyFits) {
                continue;   // keep fits, or nothing does: no choice to make against the heuristic's
            }
            keepMiss++;
            Observation mine = choice.get("model") == null ? null : by.get(choice.get("model"));
            Observation heur = by.get(choice.get("heuristic"));
            heurOom += heur == null || !heur.fits() ? 1 : 0;
            modelOom += mine == null || !mine.fits() ? 1 : 0;
            if (mine != null && heur != null && mine.fits() && heur.fits()) {
                timeSave.add(1 - mine.measurement().stepTimeMs() / heur.measurement().stepTimeMs());
                if (ObjectiveComparison.hasEnergy(mine) && ObjectiveComparison.hasEnergy(heur)) {
                    energySave.add(1 - mine.measurement().energyJ() / heur.measurement().energyJ());
                }
            }
        }
        Map<String, Double> meanRegret = new LinkedHashMap<>();
        regrets.forEach((k, v) -> meanRegret.put(k, ObjectiveComparison.mean(v)));
        return new EnergyEvaluation(nApe == 0 ? Double.NaN : sumApe / nApe, meanRegret, timeSave.size(),
                ObjectiveComparison.mean(timeSave), ObjectiveComparison.mean(energySave), energySave.size(), keepMiss,
                heurOom, modelOom,
                energyModel ? ObjectiveComparison.of(rows, preds, predEnergy) : null);
    }

    /**
     * The {@code energy} object of {@code evaluate --json}: {@code energy_regret} by method, how each
     * method's energy choice is taken, the savings over the heuristic where keep does not fit and,
     * where the model predicts energy, {@code objectives}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> vs = new LinkedHashMap<>();
        vs.put("workloads", keepMissWorkloads);
        vs.put("step_time_saving", stepTimeSaving);
        vs.put("energy_workloads", keepMissEnergyWorkloads);
        vs.put("energy_saving", energySaving);
        vs.put("keep_does_not_fit", keepMissAll);
        vs.put("heuristic_oom", keepMissHeuristicOom);
        vs.put("model_oom", keepMissModelOom);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("energy_regret", new LinkedHashMap<>(energyRegret));
        Map<String, Object> how = new LinkedHashMap<>();
        energyRegret.keySet().forEach(k -> how.put(k, ENERGY_CHOICE.get(k)));
        e.put("energy_choice", how);
        e.put("vs_heuristic_where_keep_does_not_fit", vs);
        if (objectives != null) {
            e.put("objectives", objectives.toMap());
        }
        return e;
    }
}
