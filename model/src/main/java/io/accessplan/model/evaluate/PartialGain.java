package io.accessplan.model.evaluate;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.model.Observation;
import io.accessplan.model.Stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What partial policies ({@code full:N}, {@code selective:N}, {@code offload:N}) gain on the
 * workloads where they matter: those whose {@code keep} truly does not fit but some strategy does.
 * There, the speed-up of a choice is time(best all-or-nothing strategy that truly fits) /
 * time(choice) - 1, the all-or-nothing strategies being the candidates without a layer count,
 * measured on the same workload; a choice that truly does not fit counts in {@code oomRate} and
 * not in the speed-ups. The oracle's figure (the best of the finer space, every count the sweep
 * measured) is the most a choice could gain.
 *
 * @param workloads         workloads where keep does not fit and something does
 * @param meanSpeedup       mean speed-up of the model's choice (fraction; 0.15 = 15% faster)
 * @param oracleMeanSpeedup mean speed-up of the best measured strategy of the finer space
 * @param partialPicks      fraction of those workloads where the model chose a partial policy
 * @param oomRate           fraction of those workloads where the model's choice truly does not fit
 */
public record PartialGain(int workloads, double meanSpeedup, double oracleMeanSpeedup, double partialPicks,
                          double oomRate) {

    private static final Strategy KEEP = new Strategy(ActivationPolicy.KEEP, 1, false);

    /** The figures of a report's choices over its rows. */
    public static PartialGain of(List<EvaluationReport.RowPrediction> rows, List<EvaluationReport.WorkloadResult> picks) {
        Map<String, List<Observation>> byWorkload = new HashMap<>();
        for (EvaluationReport.RowPrediction r : rows) {
            byWorkload.computeIfAbsent(r.row().workload().id(), k -> new ArrayList<>()).add(r.row());
        }
        List<Double> gains = new ArrayList<>();
        List<Double> oracle = new ArrayList<>();
        int counted = 0;
        int partial = 0;
        int oom = 0;
        for (EvaluationReport.WorkloadResult pick : picks) {
            List<Observation> obs = byWorkload.getOrDefault(pick.workload().id(), List.of());
            Observation keep = null;
            Observation chosen = null;
            double bestWhole = Double.NaN;
            double best = Double.NaN;
            for (Observation o : obs) {
                if (o.strategy().equals(KEEP)) {
                    keep = o;
                }
                if (o.strategy().equals(pick.chosen())) {
                    chosen = o;
                }
                if (o.fits()) {
                    double t = o.measurement().stepTimeMs();
                    best = Double.isNaN(best) ? t : Math.min(best, t);
                    if (!o.strategy().isPartial()) {
                        bestWhole = Double.isNaN(bestWhole) ? t : Math.min(bestWhole, t);
                    }
                }
            }
            if (keep == null || keep.fits() || Double.isNaN(bestWhole) || chosen == null) {
                continue;   // keep fits (or was not measured), or nothing all-or-nothing fits
            }
            counted++;
            partial += chosen.strategy().isPartial() ? 1 : 0;
            oracle.add(bestWhole / best - 1);
            if (!chosen.fits()) {
                oom++;
            } else {
                gains.add(bestWhole / chosen.measurement().stepTimeMs() - 1);
            }
        }
        return new PartialGain(counted, mean(gains), mean(oracle), counted == 0 ? Double.NaN : (double) partial / counted,
                counted == 0 ? Double.NaN : (double) oom / counted);
    }

    private static double mean(List<Double> xs) {
        return Stats.mean(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The JSON fields, snake_case, fractions. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workloads", workloads);
        m.put("mean_speedup_over_all_or_nothing", meanSpeedup);
        m.put("oracle_mean_speedup_over_all_or_nothing", oracleMeanSpeedup);
        m.put("partial_picks", partialPicks);
        m.put("oom_rate", oomRate);
        return m;
    }
}
