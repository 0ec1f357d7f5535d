package io.accessplan.collector.sim;

import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.plan.Planner;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A calibration from dataset rows to a {@link CalibrationProfile}: selects one card's measured
 * rows, holds out every {@code holdoutEvery}-th architecture (in the order of their ids, which are
 * hashes, so the choice does not follow size or family), fits the others with
 * {@link Calibration}, and measures the error on both.
 */
public final class CalibrationRun {
    private CalibrationRun() {
    }

    /**
     * The outcome.
     *
     * @param profile the profile to write
     * @param report  a plain-text account: parameters, fit and held-out error
     */
    public record Outcome(CalibrationProfile profile, String report) {
    }

    /** The measured points of the rows: {@code cuda} rows that ran to completion. */
    public static List<Calibration.Point> points(List<DatasetRow> rows) {
        List<Calibration.Point> out = new ArrayList<>();
        for (DatasetRow r : rows) {
            if (!r.measurement().backend().equals("cuda") || r.measurement().oom()
                    || !(r.measurement().stepTimeMs() > 0)) {
                continue;
            }
            out.add(new Calibration.Point(Planner.schedule(r.workload(), r.strategy()), r.measurement().stepTimeMs(),
                    r.workload().architectureId()));
        }
        return out;
    }

    /** The architectures held out: every {@code every}-th of the sorted ids, starting with the first (none for 0). */
    public static Set<String> heldOut(List<Calibration.Point> points, int every) {
        if (every < 0 || every == 1) {
            throw new IllegalArgumentException("Invalid holdout-every: " + every + " (0 for none, or >= 2)");
        }
        List<String> ids = new ArrayList<>(new TreeSet<>(points.stream().map(Calibration.Point::architectureId).toList()));
        Set<String> out = new TreeSet<>();
        for (int i = 0; every > 0 && i < ids.size(); i += every) {
            out.add(ids.get(i));
        }
        return out;
    }

    /**
     * Calibrates one card.
     *
     * @param rows         the dataset rows (only {@code cuda} rows that completed are used)
     * @param data         where they came from, for the profile's provenance
     * @param holdoutEvery hold out every n-th architecture (0: fit on all)
     * @throws IllegalArgumentException if there are no measured rows, or rows of several cards
     */
    public static Outcome run(List<DatasetRow> rows, List<String> data, int holdoutEvery) {
        return run(rows, data, holdoutEvery, SimParameters.DEFAULTS);
    }

    /** The devices of the rows measured by the cuda engine, by name. */
    public static Map<String, io.accessplan.features.DeviceProfile> cudaDevices(List<DatasetRow> rows) {
        Map<String, io.accessplan.features.DeviceProfile> devices = new java.util.TreeMap<>();
        for (DatasetRow r : rows) {
            if (r.measurement().backend().equals("cuda")) {
                devices.putIfAbsent(r.workload().device().name(), r.workload().device());
            }
        }
        return devices;
    }

    /**
     * What a microbenchmark of the engine's own host update code (the cuda module's
     * {@code HostOptimizer.update}) measured on some host, for a value class whose cost no fitted
     * row identifies: the extra seconds per parameter of an fp32 Adam update whose second moments
     * are subnormal ({@link GradientValues}), as a multiple of the seconds per parameter of the same
     * update on normal values, timed the same way.
     *
     * <p>Applied to a card ({@link #run(List, List, int, SimParameters, HostPrior)}) only where no
     * fitted row exercises {@link SimParameters.Name#HOST_SUBNORMAL_MOMENT_SECONDS}, as that multiple
     * of the card host's normal Adam cost per parameter, which the fit does identify
     * ({@link Calibration#adamHostSecondsPerParameter}). This assumes that the penalty keeps its
     * ratio to the normal update from the benchmark's host to the card's: both are the same Java
     * loop, compute-bound per core, on x86 CPUs that take a microcode assist per subnormal operand.
     *
     * @param subnormalMomentRatio extra cost of a subnormal-moment parameter over a normal one's cost, >= 0
     * @param description          what was measured, on what host, with which figures (for the profile's source)
     */
    public record HostPrior(double subnormalMomentRatio, String description) {
        /** Validates the ratio. */
        public HostPrior {
            if (!(subnormalMomentRatio >= 0) || !Double.isFinite(subnormalMomentRatio)) {
                throw new IllegalArgumentException("Invalid subnormal-moment cost ratio: " + subnormalMomentRatio);
            }
            if (description == null || description.isBlank()) {
                throw new IllegalArgumentException("A host prior needs a description of its measurement");
            }
        }
    }

    /**
     * Calibrates one card, starting from (and with the fit's weak prior at) the given parameters:
     * another card's profile of the same engine, say, where this card has few rows.
     */
    public static Outcome run(List<DatasetRow> rows, List<String> data, int holdoutEvery, SimParameters prior) {
        return run(rows, data, holdoutEvery, prior, null);
    }

    /**
     * Calibrates one card as {@link #run(List, List, int, SimParameters)} does; where no fitted row
     * exercises the subnormal-moment cost and a host benchmark is given, that cost is the
     * benchmark's ratio times the card's fitted normal Adam cost (its source says so).
     *
     * @param host the host benchmark's figures, or null for none
     */
    public static Outcome run(List<DatasetRow> rows, List<String> data, int holdoutEvery, SimParameters prior,
                              HostPrior host) {
        Map<String, io.accessplan.features.DeviceProfile> devices = cudaDevices(rows);
        Set<String> cards = new TreeSet<>();
        devices.values().forEach(d -> cards.add(CalibrationProfile.cardOf(d)));
        if (cards.isEmpty()) {
            throw new IllegalArgumentException("No cuda rows to calibrate on in " + String.join(",", data));
        }
        if (cards.size() > 1) {
            throw new IllegalArgumentException("Rows of " + cards.size() + " cards (" + String.join(", ", cards)
                    + "): calibrate one card at a time");
        }
        List<Calibration.Point> all = points(rows);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("No completed cuda rows to calibrate on in " + String.join(",", data));
        }
        Set<String> held = heldOut(all, holdoutEvery);
        List<Calibration.Point> fitOn = Calibration.select(all, held, false);
        List<Calibration.Point> test = Calibration.select(all, held, true);
        Calibration.Result fit = Calibration.fit(fitOn, prior, Calibration.PRIOR_WEIGHT);
        SimParameters params = fit.parameters();
        String priorFile = data.stream().filter(d -> d.startsWith("prior:")).map(d -> d.substring("prior:".length()))
                .findFirst().orElse("the given prior");
        Map<SimParameters.Name, String> sources = new java.util.EnumMap<>(SimParameters.Name.class);
        for (SimParameters.Name n : SimParameters.Name.values()) {
            sources.put(n, fit.fitted().contains(n) ? CalibrationProfile.SOURCE_FITTED
                    : prior.get(n) == n.defaultValue() ? CalibrationProfile.SOURCE_DEFAULT
                    : CalibrationProfile.SOURCE_PRIOR + priorFile);
        }
        SimParameters.Name moment = SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS;
        if (host != null && !fit.fitted().contains(moment)) {
            double normal = Calibration.adamHostSecondsPerParameter(params);
            params = params.with(moment, host.subnormalMomentRatio() * normal);
            sources.put(moment, CalibrationProfile.SOURCE_HOST_BENCHMARK + host.description() + String.format(Locale.ROOT,
                    "; ratio %.4g times this card's fitted normal Adam host cost, %.4g ns a parameter (no fitted row"
                            + " meets subnormal moments)", host.subnormalMomentRatio(), normal * 1e9));
        }

        Map<SimParameters.Name, CalibrationProfile.Parameter> table = new LinkedHashMap<>();
        double[] se = fit.logStderr();
        for (SimParameters.Name n : SimParameters.Name.values()) {
            table.put(n, new CalibrationProfile.Parameter(params.get(n), se[n.ordinal()], fit.fitted().contains(n),
                    sources.get(n)));
        }
        Map<String, Double> fitErr = errors(fitOn, params);
        Map<String, Double> testErr = test.isEmpty() ? Map.of() : errors(test, params);
        Set<String> archs = new TreeSet<>(fitOn.stream().map(Calibration.Point::architectureId).toList());
        CalibrationProfile profile = new CalibrationProfile(cards.iterator().next(), List.copyOf(devices.values()),
                Instant.now().toString(), data, fitOn.size(), List.copyOf(archs), List.copyOf(held), table, fitErr,
                testErr);

        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "card %s: fitted on %d rows of %d architectures, %d rows of %d held out%n",
                profile.card(), fitOn.size(), archs.size(), test.size(), held.size()));
        b.append(String.format(Locale.ROOT, "%-44s %14s %14s %10s %s%n", "parameter",
                prior.equals(SimParameters.DEFAULTS) ? "default" : "prior", "fitted", "+-(log)", ""));
        for (SimParameters.Name n : SimParameters.Name.values()) {
            CalibrationProfile.Parameter p = table.get(n);
            b.append(String.format(Locale.ROOT, "%-44s %14.4g %14.4g %10s %s%n", n.key(), prior.get(n), p.value(),
                    Double.isFinite(p.logStderr()) ? String.format(Locale.ROOT, "%.3f", p.logStderr()) : "-",
                    p.fitted() ? "" : p.source().equals(CalibrationProfile.SOURCE_DEFAULT) ? "(not exercised: kept)"
                            : "(not exercised: " + p.source() + ")"));
        }
        Map<String, Double> before = errors(fitOn, SimParameters.DEFAULTS);
        b.append("error of sim against cuda, |log(cuda/sim)| (noiseless replay):\n");
        b.append(line("fitted rows, default simulator", before));
        b.append(line("fitted rows, calibrated", fitErr));
        if (!test.isEmpty()) {
            b.append(line("held-out rows, default simulator", errors(test, SimParameters.DEFAULTS)));
            b.append(line("held-out rows, calibrated", testErr));
        }
        return new Outcome(profile, b.toString());
    }

    private static String line(String what, Map<String, Double> e) {
        return String.format(Locale.ROOT, "  %-34s rows %4.0f  geomean cuda/sim %.3f  median %.3f  p90 %.3f  max %.3f%n",
                what, e.get("rows"), e.get("geomean_ratio"), e.get("median_abs_log"), e.get("p90_abs_log"),
                e.get("max_abs_log"));
    }

    /** Error summary of the simulator under the parameters against the points' measurements. */
    public static Map<String, Double> errors(List<Calibration.Point> points, SimParameters p) {
        double[] sim = Calibration.simulatedMs(points, p);
        double[] abs = new double[sim.length];
        double sum = 0;
        for (int i = 0; i < sim.length; i++) {
            double l = Math.log(points.get(i).measuredMs() / sim[i]);
            sum += l;
            abs[i] = Math.abs(l);
        }
        Arrays.sort(abs);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rows", (double) sim.length);
        m.put("geomean_ratio", Math.exp(sum / sim.length));
        m.put("median_abs_log", quantile(abs, 0.5));
        m.put("p90_abs_log", quantile(abs, 0.9));
        m.put("max_abs_log", abs[abs.length - 1]);
        return m;
    }

    /** The q-quantile of sorted values, by linear interpolation between order statistics. */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
