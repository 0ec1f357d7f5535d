package io.accessplan.cli;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.BackendUnavailableException;
import io.accessplan.collector.Backends;
import io.accessplan.collector.Preset;
import io.accessplan.collector.Progress;
import io.accessplan.collector.Sweep;
import io.accessplan.collector.sim.CalibrationProfile;
import io.accessplan.collector.sim.SimBackend;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.datasets.WorkloadTable;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.MixedPrecision;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code accessplan sweep}: runs workloads x strategies on a backend and writes the dataset. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Runs every valid strategy of a preset or a workloads file on a backend and writes a Parquet dataset.")
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "sim", description = "sim or cuda (default ${DEFAULT-VALUE})")
    String backend;

    static final class Source {
        @Option(names = "--preset", description = "small or standard")
        String preset;
        @Option(names = "--workloads", description = "CSV or JSONL file with the dataset's workload columns")
        Path workloads;
    }

    @ArgGroup(exclusive = true)
    Source source;

    @Option(names = "--devices", split = ",", description = "device profiles (default: all for sim, the local GPU for cuda)")
    List<String> devices;

    @Option(names = "--devices-file", description = "CSV of extra device profiles")
    Path devicesFile;

    @Option(names = "--out", required = true, description = "output directory or Hadoop URI (file:, hdfs:, ...)")
    String out;

    @Option(names = "--seed", defaultValue = "42", description = "seed of every row's randomness (default ${DEFAULT-VALUE})")
    long seed;

    /**
     * Timed repeats per measurement on either backend: the median of 5 rather than 3 cuts by a quarter the
     * label noise of host-optimizer rows, whose per-repeat spread is 3.2% on the H200
     * ({@code SimBackend}), and the simulator measures like the GPU does.
     */
    static final int DEFAULT_REPEATS = 5;

    @Option(names = "--repeats", description = "timed repeats per measurement (default 5)")
    Integer repeats;

    @Option(names = "--resume", description = "continue an interrupted sweep with the same settings")
    boolean resume;

    @Option(names = "--budget", description = "stop cleanly after this many minutes; --resume continues")
    Double budgetMinutes;

    @Option(names = "--chunk-size", defaultValue = "16", description = "workloads per part file (default ${DEFAULT-VALUE})")
    int chunkSize;

    @Option(names = "--threads", description = "worker threads (default: cores for sim, 1 for cuda)")
    Integer threads;

    @Option(names = "--memory-cap-gib", description = "cuda: emulate a smaller GPU by capping allocations")
    Double memoryCapGib;

    @Option(names = "--profile", description = "sim: a card's calibrated simulator profile (from calibrate): sweeps"
            + " that card's twin, on the profile's devices unless --devices names others of the card")
    Path profile;

    @Override
    public Integer call() {
        long started = System.nanoTime();
        DeviceCatalog catalog = DeviceCatalog.builtinWith(devicesFile);
        CalibrationProfile twin = null;
        if (profile != null) {
            if (!backend.equals(SimBackend.NAME)) {
                throw new BadInputException("--profile calibrates the simulator: it needs --backend sim, not " + backend);
            }
            twin = ProfileOption.load(profile);
            for (DeviceProfile d : twin.devices()) {
                catalog = catalog.with(d);
            }
        }
        if (repeats != null && repeats <= 0) {
            throw new BadInputException("Invalid repeats: " + repeats + " (must be > 0)");
        }
        if (repeats != null && repeats > CrossCheckCommand.MAX_REPEATS) {
            throw new BadInputException("Invalid repeats: " + repeats + " (must be at most " + CrossCheckCommand.MAX_REPEATS + ")");
        }
        if (chunkSize <= 0) {
            throw new BadInputException("Invalid chunk size: " + chunkSize + " (must be > 0)");
        }
        if (threads != null && (threads <= 0 || threads > 1024)) {
            throw new BadInputException("Invalid threads: " + threads + " (must be in 1..1024)");
        }
        if (memoryCapGib != null && !(memoryCapGib > 0 && memoryCapGib <= 16384)) {
            throw new BadInputException("Invalid memory cap: " + memoryCapGib + " GiB (must be > 0 and at most 16384)");
        }
        if (budgetMinutes != null && !(budgetMinutes > 0 && Double.isFinite(budgetMinutes))) {
            throw new BadInputException("Invalid budget: " + budgetMinutes + " (minutes, must be > 0)");
        }
        long cap = memoryCapGib == null ? 0 : (long) (memoryCapGib * (1L << 30));
        // validate the workloads and the output before opening a GPU
        String presetName = source != null && source.workloads != null ? null
                : (source != null && source.preset != null ? source.preset : "small");
        Preset preset = presetName == null ? null : Preset.byName(presetName);
        List<Workload> fileWorkloads = source != null && source.workloads != null ? readWorkloads(source.workloads, catalog)
                : null;
        OutputPaths.check("--out", out, OutputPaths.Kind.DIRECTORY, java.util.stream.Stream.of(
                source == null ? null : source.workloads, devicesFile).filter(java.util.Objects::nonNull).map(Path::toString).toList());
        ParquetDataset dataset = DataLocation.open(out);
        if (!resume && dataset.exists() && !dataset.parts().isEmpty()) {
            throw new BadInputException("Output exists: " + out + " (use --resume to continue it, or choose a new --out)");
        }
        try (Backend b = twin == null ? openBackend(cap)
                : new SimBackend(new BackendOptions(cap, 0, seed), twin.parameters())) {
            List<DeviceProfile> devs = twin != null && (devices == null || devices.isEmpty()) ? twin.devices()
                    : devices(b, catalog);
            if (twin != null) {
                for (DeviceProfile d : devs) {
                    if (!twin.covers(d)) {
                        throw new BadInputException("Profile " + profile + " is for card " + twin.card()
                                + ", not for device " + d.name());
                    }
                }
            }
            List<Workload> ws = fileWorkloads != null ? fileWorkloads : preset.workloads(devs, seed);
            int reps = repeats != null ? repeats : DEFAULT_REPEATS;
            int nThreads = threads != null ? threads : (b.name().equals("sim") ? Runtime.getRuntime().availableProcessors() : 1);
            Map<String, String> prov = DataLocation.provenance(
                    presetName != null ? presetName : "file:" + source.workloads.getFileName());
            prov.put("accessplan.devices", String.join(",", devs.stream().map(DeviceProfile::name).toList()));
            if (twin != null) {
                prov.put("accessplan.sim_profile", profile.toString());
                prov.put("accessplan.sim_profile_card", twin.card());
                prov.put("accessplan.sim_profile_created_at", twin.createdAt());
            }
            Sweep sweep = new Sweep(ws, reps, seed, chunkSize, nThreads, prov,
                    budgetMinutes == null ? null : Duration.ofMillis((long) (budgetMinutes * 60_000)));
            Sweep.Result r = sweep.run(b, dataset, resume, Progress.forConsole("sweep " + b.name(), System.err));
            double secs = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %d workloads, %d rows in %d new parts (%d already done) to %s in %.1f s%s%n",
                    r.complete() ? "done" : "stopped at budget", ws.size(), r.rows(), r.chunksWritten(), r.chunksSkipped(),
                    out, secs, r.complete() ? "" : "; rerun with --resume to continue");
        }
        return 0;
    }

    private Backend openBackend(long cap) {
        try {
            return Backends.open(backend, new BackendOptions(cap, 0, seed));
        } catch (BackendUnavailableException e) {
            throw new BadInputException(Main.firstLine(e.getMessage()));
        }
    }

    private List<DeviceProfile> devices(Backend b, DeviceCatalog catalog) {
        DeviceProfile local = b.localDevice();
        if (local != null) {
            if (devices != null && !devices.isEmpty()) {
                throw new BadInputException("Invalid devices: " + String.join(",", devices) + " (the " + b.name()
                        + " backend runs on its local GPU " + local.name() + "; use --memory-cap-gib to emulate a smaller one)");
            }
            return List.of(local);
        }
        if (devices == null || devices.isEmpty()) {
            return new ArrayList<>(catalog.all());
        }
        return devices.stream().map(catalog::get).toList();
    }

    /** Reads a workloads file; a bad row stops the sweep before anything is written. */
    static List<Workload> readWorkloads(Path file, DeviceCatalog catalog) {
        List<Workload> ws = new ArrayList<>();
        List<WorkloadTable.Row> rows;
        try {
            rows = WorkloadTable.read(file.toString());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(Main.firstLine(e.getMessage()));
        }
        for (WorkloadTable.Row r : rows) {
            String err = r.error();
            try {
                if (err != null) {
                    throw new IllegalArgumentException(err);
                }
                Workload w = WorkloadColumns.parse(r.values(), catalog);
                if (w.training().mixedPrecision() != MixedPrecision.MASTER) {
                    // the dataset has no such column: the rows would read back as master
                    throw new IllegalArgumentException("Invalid mixed_precision: " + w.training().mixedPrecision().id()
                            + " (a sweep writes dataset rows, which have no mixed_precision column and mean master)");
                }
                ws.add(w);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("Bad row at line " + r.line() + " of " + file + ": " + Main.firstLine(e.getMessage()));
            }
        }
        if (ws.isEmpty()) {
            throw new BadInputException("No workloads in " + file);
        }
        return ws;
    }
}
