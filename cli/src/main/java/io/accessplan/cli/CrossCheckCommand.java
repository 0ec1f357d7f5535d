package io.accessplan.cli;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.BackendUnavailableException;
import io.accessplan.collector.Backends;
import io.accessplan.collector.Preset;
import io.accessplan.collector.sim.CalibrationProfile;
import io.accessplan.collector.sim.CalibrationRun;
import io.accessplan.collector.sim.SimBackend;
import io.accessplan.cuda.CrossCheck;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code accessplan crosscheck}: the same schedules on the GPU and on the simulator, ratio per strategy. */
@Command(name = "crosscheck", mixinStandardHelpOptions = true,
        description = "Runs the same schedules on cuda and on sim and reports the cuda/sim ratio of step time and peak memory per strategy.")
final class CrossCheckCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "small", description = "small or standard (default ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--workloads", description = "CSV or JSONL workloads file instead of a preset (devices must be the local GPU)")
    Path workloads;

    /** Most timed repeats a command takes: 1000 (five give a stable median). */
    static final int MAX_REPEATS = 1000;

    @Option(names = "--limit", defaultValue = "12", description = "workloads to run (default ${DEFAULT-VALUE}); with --data, the cuda rows to replay (default: all)")
    int limit;

    @Option(names = "--repeats", defaultValue = "5", description = "timed repeats (default ${DEFAULT-VALUE}; with --data,"
            + " the row's own repeats unless given)")
    int repeats;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private boolean repeatsGiven;

    @Option(names = "--seed", defaultValue = "42", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--data", description = "no GPU needed: replay the cuda rows of this dataset (DIR or URI) on sim")
    String data;

    @Option(names = "--skip-damaged", description = "with --data: leave out damaged parts (each named, and counted)")
    boolean skipDamaged;

    private boolean limitGiven;

    @Option(names = "--profile", description = "the card's calibrated simulator profile (from calibrate)")
    Path profile;

    @Option(names = "--transfer", description = "with --profile: apply the profile's parameters to the dataset's card,"
            + " another card of the same engine (its own peaks, the profile's efficiencies), instead of refusing it")
    boolean transfer;

    @Override
    public Integer call() {
        if (transfer && profile == null) {
            throw new BadInputException("--transfer needs --profile (the profile to apply to the dataset's card)");
        }
        if (profile != null && data == null) {
            throw new BadInputException("--profile needs --data (the GPU path runs the card's own simulator)");
        }
        // checked whichever source runs: an option given is never silently ignored
        if (limit <= 0) {
            throw new BadInputException("Invalid --limit: " + limit + " (must be > 0)");
        }
        if (repeats <= 0 || repeats > MAX_REPEATS) {
            throw new BadInputException("Invalid --repeats: " + repeats + " (must be in 1.." + MAX_REPEATS + ")");
        }
        repeatsGiven = spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--repeats");
        limitGiven = spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--limit");
        if (data != null) {
            if (workloads != null) {
                throw new BadInputException("Invalid --workloads: " + workloads + " (--data replays a dataset's rows; give one of the two)");
            }
            return fromData();
        }
        Preset p = workloads == null ? Preset.byName(preset) : null;
        try (Backend cuda = Backends.open("cuda", new BackendOptions(0, 0, seed));
             Backend sim = Backends.open("sim", new BackendOptions(0, 0, seed))) {
            List<Workload> ws = workloads != null
                    ? SweepCommand.readWorkloads(workloads, DeviceCatalog.builtin().with(cuda.localDevice()))
                    : p.workloads(List.of(cuda.localDevice()), seed);
            List<Schedule> schedules = new ArrayList<>();
            for (Workload w : ws.subList(0, Math.min(limit, ws.size()))) {
                for (Strategy s : Strategy.candidates(w)) {
                    schedules.add(Planner.schedule(w, s));
                }
            }
            List<CrossCheck.Row> rows = CrossCheck.run(cuda, sim, schedules, repeats, seed);
            System.out.print(CrossCheck.format(rows));
        } catch (BackendUnavailableException e) {
            throw new BadInputException(Main.firstLine(e.getMessage()));
        }
        return 0;
    }

    /** The profile applied to the card of the dataset's cuda rows; another engine's card is bad input, in one line. */
    private CalibrationProfile transferred(CalibrationProfile cal, List<DatasetRow> rows) {
        java.util.Map<String, io.accessplan.features.DeviceProfile> devices = CalibrationRun.cudaDevices(rows);
        if (devices.isEmpty()) {
            throw new BadInputException("No cuda rows in " + data);
        }
        try {
            CalibrationProfile t = cal.appliedTo(List.copyOf(devices.values()));
            System.out.printf(java.util.Locale.ROOT, "profile of %s (%s) applied to %s: its parameters, that card's"
                    + " peaks%n", cal.fittedCard(), profile, t.card());
            return t;
        } catch (IllegalArgumentException e) {
            throw new BadInputException("Profile " + profile + ": " + Main.firstLine(e.getMessage()));
        }
    }

    /** The cuda rows of a dataset against the simulator, each on the device profile the row recorded. */
    private Integer fromData() {
        CalibrationProfile cal = profile == null ? null : ProfileOption.load(profile);
        List<DatasetRow> rows = DataLocation.read(data, skipDamaged);
        if (cal != null && transfer) {
            cal = transferred(cal, rows);
        }
        List<CrossCheck.Row> out = new ArrayList<>();
        List<String> archs = new ArrayList<>();
        try (Backend sim = cal == null ? Backends.open("sim", new BackendOptions(0, 0, seed))
                : new SimBackend(new BackendOptions(0, 0, seed), cal.parameters())) {
            for (DatasetRow r : rows) {
                if (!r.measurement().backend().equals("cuda")) {
                    continue;
                }
                if (limitGiven && out.size() >= limit) {   // --data replays every cuda row unless --limit is given
                    break;
                }
                if (cal != null && !cal.covers(r.workload().device())) {
                    throw new BadInputException("Profile " + profile + " is for card " + cal.card()
                            + ", not for device " + r.workload().device().name() + " of " + data);
                }
                archs.add(r.workload().architectureId());
                Measurement m = sim.measure(Planner.schedule(r.workload(), r.strategy()), repeatsGiven ? repeats
                        : r.measurement().repeats(), seed);
                out.add(new CrossCheck.Row(r.workload().id(), r.strategy().toString(), r.measurement(), m));
            }
        } catch (BackendUnavailableException e) {
            throw new BadInputException(Main.firstLine(e.getMessage()));
        }
        if (out.isEmpty()) {
            throw new BadInputException("No cuda rows in " + data);
        }
        System.out.print(CrossCheck.format(out));
        if (cal != null) {
            // a transferred profile saw none of this card's rows: every row is held out of its fit
            System.out.print(CrossCheck.heldOutSummary(out, archs, !cal.fittedCard().equals(cal.card())
                    ? java.util.Set.copyOf(archs) : java.util.Set.copyOf(cal.heldOut())));
        }
        return 0;
    }
}
