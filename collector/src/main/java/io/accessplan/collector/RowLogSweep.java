package io.accessplan.collector;

import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Estimator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sweep into a {@link RowLog} instead of a Parquet dataset: for a GPU machine where only a lean
 * classpath travels (features, collector, the backend, no Hadoop). {@code accessplan import}
 * turns the log into a dataset. Workloads come from a preset drawn for the backend's local
 * device (or {@code --device} for the simulator), optionally limited to models of at most
 * {@code --max-params} parameters and to the first {@code --max-workloads}; every candidate
 * strategy of a workload is measured before the next workload starts, so a budget or a kill
 * leaves whole workloads plus at most one partial one.
 *
 * <pre>
 * java -cp ... io.accessplan.collector.RowLogSweep --backend cuda --preset small --max-params 4e8 \
 *     --max-workloads 24 --memory-cap-gib 24 --repeats 5 --seed 42 --budget-seconds 300 --out rows.jsonl
 * </pre>
 */
public final class RowLogSweep {
    private RowLogSweep() {
    }

    /** Options of one run. */
    record Options(String backend, String preset, double maxParams, double maxStepTflop, int maxWorkloads, double memoryCapGib,
                   String device, int repeats, long seed, double budgetSeconds, Path out) {
    }

    /** Runs the sweep; one line on stderr per workload; exit 2 on bad arguments or no backend. */
    public static void main(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("rowlog-sweep: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            Result r = run(o);
            System.out.printf(Locale.ROOT, "%s: %d workloads complete, %d rows, %.1f s, to %s%n",
                    r.complete ? "done" : "stopped at budget", r.workloads, r.rows, r.seconds, o.out());
        } catch (BackendUnavailableException e) {
            System.err.println("rowlog-sweep: " + e.getMessage().lines().findFirst().orElse(""));
            System.exit(2);
        }
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

    static Options parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String k = args[i];
            if (!k.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Bad argument: " + k + " (expected --name value pairs)");
            }
            a.put(k.substring(2), args[++i]);
        }
        List<String> known = List.of("backend", "preset", "max-params", "max-step-tflop", "max-workloads", "memory-cap-gib", "device",
                "repeats", "seed", "budget-seconds", "out");
        for (String k : a.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("Unknown option: --" + k);
            }
        }
        if (!a.containsKey("out")) {
            throw new IllegalArgumentException("Missing --out FILE.jsonl");
        }
        Path out = Path.of(a.get("out"));
        if (Files.exists(out)) {
            throw new IllegalArgumentException("Output exists: " + out);
        }
        try {
            return new Options(a.getOrDefault("backend", "cuda"), a.getOrDefault("preset", "small"),
                    Double.parseDouble(a.getOrDefault("max-params", "0")),
                    Double.parseDouble(a.getOrDefault("max-step-tflop", "0")),
                    Integer.parseInt(a.getOrDefault("max-workloads", "0")),
                    Double.parseDouble(a.getOrDefault("memory-cap-gib", "0")), a.get("device"),
                    Integer.parseInt(a.getOrDefault("repeats", "5")), Long.parseLong(a.getOrDefault("seed", "42")),
                    Double.parseDouble(a.getOrDefault("budget-seconds", "0")), out);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid number: " + e.getMessage());
        }
    }
}
