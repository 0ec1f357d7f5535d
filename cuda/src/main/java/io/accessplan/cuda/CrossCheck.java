package io.accessplan.cuda;

import io.accessplan.collector.Backend;
import io.accessplan.collector.sim.CalibrationRun;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the same schedules on the GPU and on the simulator and reports how far apart they are:
 * the ratio cuda/sim of step time and of peak memory, per schedule and, as geometric means,
 * per strategy. It measures the simulator's error on this GPU and gives the data to re-fit it.
 * For a fair comparison the schedules' device should be the local card's profile
 * ({@link Backend#localDevice()} of the cuda backend), so the simulator models the same GPU.
 */
public final class CrossCheck {
    private CrossCheck() {
    }

    /**
     * One schedule on both backends.
     *
     * @param workloadId the workload's id
     * @param strategy   the strategy
     * @param cuda       the GPU's measurement
     * @param sim        the simulator's
     */
    public record Row(String workloadId, String strategy, Measurement cuda, Measurement sim) {
        /** cuda/sim median step time (NaN where either failed or ran out of memory). */
        public double stepRatio() {
            return ok() ? cuda.stepTimeMs() / sim.stepTimeMs() : Double.NaN;
        }

        /** cuda/sim peak memory (NaN where either failed). */
        public double peakRatio() {
            return cuda.peakMemoryBytes() > 0 && sim.peakMemoryBytes() > 0
                    ? (double) cuda.peakMemoryBytes() / sim.peakMemoryBytes() : Double.NaN;
        }

        /** Whether both ran to completion. */
        public boolean ok() {
            return !cuda.oom() && !sim.oom() && Double.isFinite(cuda.stepTimeMs()) && Double.isFinite(sim.stepTimeMs())
                    && sim.stepTimeMs() > 0;
        }

        /** Whether the two backends disagree on whether the step fits. */
        public boolean oomDisagrees() {
            return cuda.oom() != sim.oom();
        }
    }

    /**
     * The ratios of one strategy over the workloads it ran on.
     *
     * @param strategy        the strategy
     * @param runs            schedules where both backends completed
     * @param stepRatioGeoMean geometric mean of cuda/sim step time
     * @param peakRatioGeoMean geometric mean of cuda/sim peak memory
     * @param oomDisagreements schedules where one backend ran out of memory and the other did not
     */
    public record StrategySummary(String strategy, int runs, double stepRatioGeoMean, double peakRatioGeoMean,
                                  int oomDisagreements) {
    }

    /**
     * Measures every schedule on both backends (cuda first, then sim, same repeats and seed).
     *
     * @param cuda      the GPU backend
     * @param sim       the simulator (obtain it with {@code Backends.open("sim", options)})
     * @param schedules what to run
     * @param repeats   timed repeats per schedule
     * @param seed      seed of each run
     */
    public static List<Row> run(Backend cuda, Backend sim, List<Schedule> schedules, int repeats, long seed) {
        List<Row> rows = new ArrayList<>();
        for (Schedule s : schedules) {
            Measurement c = cuda.measure(s, repeats, seed);
            Measurement m = sim.measure(s, repeats, seed);
            rows.add(new Row(s.workload().id(), s.strategy().toString(), c, m));
        }
        return rows;
    }

    /**
     * The schedules of every candidate strategy of each workload, moved onto one device (the
     * cuda backend's {@link Backend#localDevice()}), so that both backends model the same card.
     */
    public static List<Schedule> schedules(List<Workload> workloads, DeviceProfile device) {
        List<Schedule> out = new ArrayList<>();
        for (Workload w : workloads) {
            Workload local = new Workload(w.model(), w.training(), device);
            for (Strategy s : Strategy.candidates(local)) {
                out.add(Planner.schedule(local, s));
            }
        }
        return out;
    }

    /** Per-strategy geometric means, in order of first appearance. */
    public static List<StrategySummary> byStrategy(List<Row> rows) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            groups.computeIfAbsent(r.strategy(), k -> new ArrayList<>()).add(r);
        }
        List<StrategySummary> out = new ArrayList<>();
        groups.forEach((strategy, rs) -> {
            double logStep = 0;
            double logPeak = 0;
            int n = 0;
            int disagree = 0;
            for (Row r : rs) {
                disagree += r.oomDisagrees() ? 1 : 0;
                if (r.ok() && Double.isFinite(r.peakRatio())) {
                    logStep += Math.log(r.stepRatio());
                    logPeak += Math.log(r.peakRatio());
                    n++;
                }
            }
            out.add(new StrategySummary(strategy, n, n > 0 ? Math.exp(logStep / n) : Double.NaN,
                    n > 0 ? Math.exp(logPeak / n) : Double.NaN, disagree));
        });
        return out;
    }

    /** A plain-text table: one line per schedule, then one per strategy. */
    public static String format(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-16s %-26s %12s %12s %8s %14s %14s %8s%n", "workload", "strategy",
                "cuda_ms", "sim_ms", "time_x", "cuda_peak_MiB", "sim_peak_MiB", "peak_x"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%-16s %-26s %12s %12s %8s %14.1f %14.1f %8s%n", r.workloadId(),
                    r.strategy(), ms(r.cuda()), ms(r.sim()), ratio(r.stepRatio()), mib(r.cuda()), mib(r.sim()),
                    ratio(r.peakRatio())));
        }
        b.append(String.format(Locale.ROOT, "%n%-26s %6s %10s %10s %16s%n", "strategy", "runs", "time_x", "peak_x",
                "oom_disagree"));
        for (StrategySummary s : byStrategy(rows)) {
            b.append(String.format(Locale.ROOT, "%-26s %6d %10s %10s %16d%n", s.strategy(), s.runs(),
                    ratio(s.stepRatioGeoMean()), ratio(s.peakRatioGeoMean()), s.oomDisagreements()));
        }
        return b.toString();
    }

    /**
     * The per-row error |log(cuda/sim)| on the rows whose architecture a calibration held out of
     * its fit, and on the others: median, 90th percentile, and the geometric mean of cuda/sim.
     *
     * @param rows          the cross-checked rows
     * @param architectures each row's architecture id, in the same order
     * @param heldOut       the architectures held out of the fit
     */
    public static String heldOutSummary(List<Row> rows, List<String> architectures, java.util.Set<String> heldOut) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%n%-22s %6s %10s %10s %10s%n", "rows",
                "runs", "time_x", "median|l|", "p90|l|"));
        for (boolean held : new boolean[]{false, true}) {
            List<Double> logs = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                if (heldOut.contains(architectures.get(i)) == held && rows.get(i).ok()) {
                    logs.add(Math.log(rows.get(i).stepRatio()));
                }
            }
            double[] abs = logs.stream().mapToDouble(Math::abs).sorted().toArray();
            double mean = logs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            b.append(String.format(Locale.ROOT, "%-22s %6d %10s %10s %10s%n", held ? "held out of the fit" : "fitted",
                    abs.length, ratio(Math.exp(mean)), ratio(CalibrationRun.quantile(abs, 0.5)), ratio(CalibrationRun.quantile(abs, 0.9))));
        }
        return b.toString();
    }

    private static String ms(Measurement m) {
        if (m.oom()) {
            return "oom";
        }
        return Double.isFinite(m.stepTimeMs()) ? String.format(Locale.ROOT, "%.3f", m.stepTimeMs()) : "error";
    }

    private static double mib(Measurement m) {
        return m.peakMemoryBytes() / (1024.0 * 1024.0);
    }

    private static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.3f", r) : "-";
    }
}
