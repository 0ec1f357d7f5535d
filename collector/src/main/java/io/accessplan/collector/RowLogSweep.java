package io.accessplan.collector;

import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Estimator;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A sweep into a {@link RowLog} instead of a Parquet dataset: for a GPU machine where only a lean
 * classpath travels (features, collector, the backend, no Hadoop). {@code accessplan import}
 * turns the log into a dataset. Workloads come from a preset drawn for the backend's local
 * device (or {@code --device} for the simulator), optionally limited to models of at most
 * {@code --max-params} parameters and to the first {@code --max-workloads}; every candidate
 * strategy of a workload is measured before the next workload starts, so a budget or a kill
 * leaves whole workloads plus at most one partial one.
 *
 * <p>One command, parsed once (picocli): {@code ./accessplan rowlog-sweep ...} where the whole
 * tool is installed, and on the lean classpath of the GPU kit ({@code cuda/gpu/run.sh}), which has
 * no command-line module:
 * <pre>
 * java -cp ... io.accessplan.collector.RowLogSweep --backend cuda --preset small --max-params 4e8 \
 *     --max-workloads 24 --memory-cap-gib 24 --repeats 5 --seed 42 --budget-seconds 300 --out rows.jsonl
 * </pre>
 */
@Command(name = "rowlog-sweep", mixinStandardHelpOptions = true,
        description = "Sweeps a preset on a backend into a row log (JSON lines; no Hadoop needed), for `import`.")
public final class RowLogSweep implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cuda", description = "sim or cuda (default ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--preset", defaultValue = "small", description = "small or standard (default ${DEFAULT-VALUE})")
    String preset;
    @Option(names = "--max-params", defaultValue = "0", description = "largest model, parameters (0: any)")
    double maxParams;
    @Option(names = "--max-step-tflop", defaultValue = "0", description = "largest step keeping every activation, TFLOP (0: any)")
    double maxStepTflop;
    @Option(names = "--max-workloads", defaultValue = "0", description = "the first N selected workloads (0: all)")
    int maxWorkloads;
    @Option(names = "--memory-cap-gib", defaultValue = "0", description = "emulate a smaller GPU, GiB (0: none)")
    double memoryCapGib;
    @Option(names = "--device", description = "device profile for a backend without a local GPU (sim)")
    String device;
    @Option(names = "--repeats", defaultValue = "5", description = "timed repeats per measurement (default ${DEFAULT-VALUE})")
    int repeats;
    @Option(names = "--seed", defaultValue = "42", description = "seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--budget-seconds", defaultValue = "0", description = "stop before a workload that would start later (0: none)")
    double budgetSeconds;
    @Option(names = "--out", required = true, description = "the row log to write (must not exist)")
    Path out;

    /** Options of one run. */
    record Options(String backend, String preset, double maxParams, double maxStepTflop, int maxWorkloads, double memoryCapGib,
                   String device, int repeats, long seed, double budgetSeconds, Path out) {
    }

    /** Runs the sweep; one line on stderr per workload; exit 2 on bad arguments or no backend. */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new RowLogSweep());
        cl.setParameterExceptionHandler((ex, a) -> badInput(ex.getCommandLine(), ex.getMessage()));
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                return badInput(c, ex.getMessage());
            }
            throw ex;
        });
        int code = cl.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    private static int badInput(CommandLine c, String message) {
        c.getErr().println("rowlog-sweep: " + (message == null ? "error" : message.lines().findFirst().orElse("")));
        c.getErr().flush();
        return 2;
    }

    @Override
    public Integer call() {
        if (Files.exists(out)) {
            throw new IllegalArgumentException("Output exists: " + out);
        }
        Options o = new Options(backend, preset, maxParams, maxStepTflop, maxWorkloads, memoryCapGib, device, repeats,
                seed, budgetSeconds, out);
        Result r;
        try {
            r = run(o);
        } catch (BackendUnavailableException e) {   // no GPU, no driver: said in one line, like bad input
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        System.out.printf(Locale.ROOT, "%s: %d workloads complete, %d rows, %.1f s, to %s%n",
                r.complete ? "done" : "stopped at budget", r.workloads, r.rows, r.seconds, o.out());
        return 0;
    }

    /** What a run did. */
    record Result(int workloads, long rows, boolean complete, double seconds) {
    }

    static Result run(Options o) throws BackendUnavailableException {
        long start = System.nanoTime();
        long cap = (long) (o.memoryCapGib() * (1L << 30));
        try (Backend b = Backends.open(o.backend(), new BackendOptions(cap, 0, o.seed()))) {
            DeviceProfile device = b.localDevice();
            if (device == null) {
                if (o.device() == null) {
                    throw new IllegalArgumentException("Missing --device (the " + o.backend() + " backend has no local GPU)");
                }
                device = DeviceCatalog.builtin().get(o.device());
            }
            if (cap > 0 && cap < device.memoryBytes()) {
                device = capped(device, cap, o.memoryCapGib());
            }
            List<Workload> ws = select(Preset.byName(o.preset()), device, o.seed(), o.maxParams(), o.maxStepTflop(),
                    o.maxWorkloads());
            Map<String, String> prov = new LinkedHashMap<>();
            prov.put("accessplan.rowlog_sweep", "preset=" + o.preset() + "; max_params=" + o.maxParams()
                    + "; max_step_tflop=" + o.maxStepTflop()
                    + "; max_workloads=" + o.maxWorkloads() + "; memory_cap_gib=" + o.memoryCapGib());
            prov.put("accessplan.seed", Long.toString(o.seed()));
            prov.put("accessplan.repeats", Integer.toString(o.repeats()));
            prov.put("accessplan.backend", b.name());
            prov.put("accessplan.started_at", Instant.now().toString());
            b.provenance().forEach(prov::put);
            long rows = 0;
            int done = 0;
            boolean complete = true;
            try (RowLog log = RowLog.create(o.out(), prov, device)) {
                for (Workload w : ws) {
                    if (o.budgetSeconds() > 0 && (System.nanoTime() - start) / 1e9 > o.budgetSeconds()) {
                        complete = false;
                        break;
                    }
                    long t0 = System.nanoTime();
                    int[] oomFailed = new int[2];
                    int n = Sweep.measureWorkload(b, w, o.repeats(), o.seed(), r -> {
                        log.append(r);
                        Measurement m = r.measurement();
                        boolean failed = !m.oom() && !Double.isFinite(m.stepTimeMs());
                        oomFailed[0] += m.oom() ? 1 : 0;
                        if (failed && oomFailed[1]++ == 0) {
                            System.err.println("  " + r.strategy() + ": " + m.detail());
                        }
                    });
                    rows += n;
                    done++;
                    System.err.printf(Locale.ROOT, "[%d/%d] %s %s L=%d h=%d s=%d b=%d %s: %d strategies, %d oom, %d failed,"
                                    + " %.1f s%n", done, ws.size(), w.id(), w.model().family().id(), w.model().layers(),
                            w.model().hidden(), w.training().seqLen(), w.training().batch(),
                            w.training().precision().id(), n, oomFailed[0], oomFailed[1],
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            return new Result(done, rows, complete, (System.nanoTime() - start) / 1e9);
        }
    }

    /** The device with its memory capped: a smaller GPU emulated on this one. */
    static DeviceProfile capped(DeviceProfile d, long capBytes, double capGib) {
        String gib = capGib == Math.rint(capGib) ? Long.toString((long) capGib) : Double.toString(capGib);
        return new DeviceProfile(d.name() + "-cap" + gib + "gib", capBytes, d.memBandwidthGBps(), d.tensorTflops16(),
                d.tf32Tflops(), d.fp32Tflops(), d.bf16(), d.pcieGen(), d.h2dGBps(), d.d2hGBps(), d.gemmTable(),
                d.source() + "; memory capped at " + gib + " GiB by the allocator");
    }

    /**
     * The preset's workloads on one device: at most {@code maxParams} parameters and
     * {@code maxStepTflop} TFLOP a step (keeping every activation), the first {@code max} (0: no limit).
     */
    static List<Workload> select(Preset preset, DeviceProfile device, long seed, double maxParams, double maxStepTflop,
                                 int max) {
        List<Workload> out = new ArrayList<>();
        Strategy keep = Strategy.parse("keep");
        for (Workload w : preset.workloads(List.of(device), seed)) {
            if (maxParams > 0 && w.parameters() > maxParams) {
                continue;
            }
            if (maxStepTflop > 0 && Estimator.estimate(w, keep).flops() > maxStepTflop * 1e12) {
                continue;
            }
            out.add(w);
            if (max > 0 && out.size() >= max) {
                break;
            }
        }
        return out;
    }
}
