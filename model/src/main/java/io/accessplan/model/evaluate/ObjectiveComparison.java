package io.accessplan.model.evaluate;

import io.accessplan.model.Choice;
import io.accessplan.model.Objective;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.Stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Choosing by energy against choosing by time, per workload, over given predictions: each
 * workload's pick under {@link Objective#TIME} and under {@link Objective#ENERGY} (the rules a
 * lookup answers with, a row fitting when its predicted peak times one plus its margin fits the
 * device), scored on the measured rows. Where the two picks differ and both truly fit with a
 * measured energy, the energy pick's cost in time is time(energy pick) / time(time pick) - 1 and
 * the time pick's cost in energy is energy(time pick) / energy(energy pick) - 1. The same figures
 * of the measurements alone (the truly fastest against the truly least-energy fitting strategy)
 * say how much the two objectives disagree whatever the model.
 *
 * @param workloads           workloads where both picks truly fit with a measured energy
 * @param differ              of those, where the energy pick is another strategy
 * @param energyPickTimeCost  mean time cost of the energy pick where they differ (NaN: none differ)
 * @param timePickEnergyCost  mean energy cost of the time pick where they differ (NaN: none differ)
 * @param energyPickOom       workloads whose energy pick truly does not fit
 * @param measuredWorkloads   workloads with a fitting measured row with energy
 * @param measuredDiffer      of those, where the least-energy fitting strategy is not the fastest
 * @param measuredTimeCost    mean time cost of the least-energy strategy there
 * @param measuredEnergyCost  mean energy cost of the fastest strategy there
 */
public record ObjectiveComparison(int workloads, int differ, double energyPickTimeCost, double timePickEnergyCost,
                                  int energyPickOom, int measuredWorkloads, int measuredDiffer, double measuredTimeCost,
                                  double measuredEnergyCost) {

    /**
     * The comparison of predictions, one per row.
     *
     * @param rows       measured rows, several strategies per workload
     * @param predTime   predicted step time of each row (ms)
     * @param predPeak   predicted peak of each row (bytes)
     * @param margins    safety margin of each row's peak
     * @param predEnergy predicted energy per step of each row (J; NaN where none: the workload is left out)
     */
    public static ObjectiveComparison of(List<Observation> rows, double[] predTime, double[] predPeak,
                                         double[] margins, double[] predEnergy) {
        Prediction[] ps = new Prediction[rows.size()];
        for (int i = 0; i < ps.length; i++) {
            Observation o = rows.get(i);
            long cap = o.workload().device().memoryBytes();
            double required = predPeak[i] * (1 + margins[i]);
            ps[i] = new Prediction(o.strategy(), predTime[i], predTime[i], predTime[i], predPeak[i], predPeak[i],
                    predPeak[i], 0, required, cap, required <= cap);
        }
        return of(rows, ps, predEnergy);
    }

    /**
     * The comparison of predictions as a lookup makes them (each with its own fit verdict), one per row.
     *
     * @param rows       measured rows, several strategies per workload
     * @param preds      the prediction of each row
     * @param predEnergy predicted energy per step of each row (J; NaN where none: the workload is left out)
     */
    public static ObjectiveComparison of(List<Observation> rows, Prediction[] preds, double[] predEnergy) {
        int counted = 0;
        int oom = 0;
        List<Double> timeCost = new ArrayList<>();
        List<Double> energyCost = new ArrayList<>();
        int measured = 0;
        List<Double> mTimeCost = new ArrayList<>();
        List<Double> mEnergyCost = new ArrayList<>();
        for (int[] g : Evaluator.groups(rows)) {
            int fastest = -1;
            int leanest = -1;
            for (int i : g) {
                Observation o = rows.get(i);
                if (!hasEnergy(o)) {
                    continue;
                }
                double t = o.measurement().stepTimeMs();
                double e = o.measurement().energyJ();
                if (fastest < 0 || t < rows.get(fastest).measurement().stepTimeMs()) {
                    fastest = i;
                }
                if (leanest < 0 || e < rows.get(leanest).measurement().energyJ()
                        || e == rows.get(leanest).measurement().energyJ() && t < rows.get(leanest).measurement().stepTimeMs()) {
                    leanest = i;
                }
            }
            if (fastest < 0) {
                continue;   // nothing fits with an energy: neither objective has a truth here
            }
            measured++;
            if (leanest != fastest) {
                mTimeCost.add(time(rows, leanest) / time(rows, fastest) - 1);
                mEnergyCost.add(energy(rows, fastest) / energy(rows, leanest) - 1);
            }
            List<Prediction> ps = new ArrayList<>(g.length);
            double[] e = new double[g.length];
            boolean complete = true;
            for (int k = 0; k < g.length; k++) {
                ps.add(preds[g[k]]);
                e[k] = predEnergy[g[k]];
                complete &= !preds[g[k]].fits() || Double.isFinite(e[k]);
            }
            if (!complete) {
                continue;   // a fitting candidate without a predicted energy: the energy rule cannot answer
            }
            Observation byTime = rows.get(g[Objective.TIME.choose(ps, e, Choice.DEFAULT_TIE_TOLERANCE)]);
            Observation byEnergy = rows.get(g[Objective.ENERGY.choose(ps, e, Choice.DEFAULT_TIE_TOLERANCE)]);
            if (!byEnergy.fits()) {
                oom++;
            }
            if (!hasEnergy(byTime) || !hasEnergy(byEnergy)) {
                continue;
            }
            counted++;
            if (!byTime.strategy().equals(byEnergy.strategy())) {
                timeCost.add(byEnergy.measurement().stepTimeMs() / byTime.measurement().stepTimeMs() - 1);
                energyCost.add(byTime.measurement().energyJ() / byEnergy.measurement().energyJ() - 1);
            }
        }
        return new ObjectiveComparison(counted, timeCost.size(), mean(timeCost), mean(energyCost), oom, measured,
                mTimeCost.size(), mean(mTimeCost), mean(mEnergyCost));
    }

    /** Whether a row truly fits with a measured, positive energy. */
    static boolean hasEnergy(Observation o) {
        return o.fits() && o.measurement().energyJ() > 0 && Double.isFinite(o.measurement().energyJ());
    }

    private static double time(List<Observation> rows, int i) {
        return rows.get(i).measurement().stepTimeMs();
    }

    private static double energy(List<Observation> rows, int i) {
        return rows.get(i).measurement().energyJ();
    }

    /** The mean, NaN for none. */
    static double mean(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : Stats.mean(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The JSON fields, snake_case, fractions. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workloads", workloads);
        m.put("energy_pick_differs", differ);
        m.put("energy_pick_time_cost", energyPickTimeCost);
        m.put("time_pick_energy_cost", timePickEnergyCost);
        m.put("energy_pick_oom", energyPickOom);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("workloads", measuredWorkloads);
        t.put("least_energy_is_not_fastest", measuredDiffer);
        t.put("least_energy_time_cost", measuredTimeCost);
        t.put("fastest_energy_cost", measuredEnergyCost);
        m.put("measured", t);
        return m;
    }

    /** The key prefix of these figures in a model file's cross-validation metadata. */
    public static final String METADATA_PREFIX = "energy_objective/";

    /** The figures as flat metadata entries ({@link #METADATA_PREFIX} + field), for a model file. */
    public Map<String, Object> toMetadata() {
        Map<String, Object> out = new LinkedHashMap<>();
        double[] vs = {workloads, differ, energyPickTimeCost, timePickEnergyCost, energyPickOom, measuredWorkloads,
                measuredDiffer, measuredTimeCost, measuredEnergyCost};
        for (int k = 0; k < FIELDS.size(); k++) {
            if (Double.isFinite(vs[k])) {   // a cost with nothing to average is left out and reads back NaN
                out.put(METADATA_PREFIX + FIELDS.get(k), vs[k]);
            }
        }
        return out;
    }

    /** The figures {@link #toMetadata} wrote into a model's metadata, or null where it has none. */
    public static ObjectiveComparison fromMetadata(Map<String, Object> metadata) {
        double[] v = new double[FIELDS.size()];
        if (!(metadata.get(METADATA_PREFIX + FIELDS.get(0)) instanceof Number)) {
            return null;
        }
        for (int k = 0; k < v.length; k++) {
            v[k] = metadata.get(METADATA_PREFIX + FIELDS.get(k)) instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return new ObjectiveComparison((int) v[0], (int) v[1], v[2], v[3], (int) v[4], (int) v[5], (int) v[6], v[7], v[8]);
    }

    private static final List<String> FIELDS = List.of("workloads", "energy_pick_differs", "energy_pick_time_cost",
            "time_pick_energy_cost", "energy_pick_oom", "measured_workloads", "least_energy_is_not_fastest",
            "least_energy_time_cost", "fastest_energy_cost");

    /** One paragraph for the text reports (signed changes: + is slower, or more energy). */
    public String toText() {
        return String.format(java.util.Locale.ROOT, "choosing by energy instead of time: %d of %d workloads pick another"
                        + " strategy; there the energy pick's step time is %+.2f%% against the time pick's, and the time"
                        + " pick's energy %+.2f%% against the energy pick's (energy picks that do not fit: %d); in the"
                        + " measurements the least-energy fitting strategy is not the fastest on %d of %d workloads"
                        + " (its step time %+.2f%%, the fastest's energy %+.2f%%)%n",
                differ, workloads, 100 * energyPickTimeCost, 100 * timePickEnergyCost, energyPickOom, measuredDiffer,
                measuredWorkloads, 100 * measuredTimeCost, 100 * measuredEnergyCost);
    }
}
