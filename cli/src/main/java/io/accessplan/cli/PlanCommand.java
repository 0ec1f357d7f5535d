package io.accessplan.cli;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.MemoryCategory;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code accessplan plan}: the analytic memory and FLOP breakdown of a workload. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Analytic memory and FLOP breakdown of a workload under a strategy (all valid strategies by default).")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    WorkloadOptions workload;

    @Option(names = "--strategy", description = "one strategy, e.g. full+mb4+opt_offload")
    String strategy;

    @Option(names = "--json", description = "JSON output: an object with --strategy, else an array")
    boolean json;

    @Override
    public Integer call() {
        Workload w = workload.workload();
        List<Plan> plans;
        if (strategy != null) {
            Strategy s = Strategy.parse(strategy);
            s.checkValidFor(w);
            plans = List.of(Planner.plan(w, s));
        } else {
            plans = Planner.planAll(w);
        }
        if (json) {
            Object out = strategy != null ? toJson(plans.get(0)) : plans.stream().map(PlanCommand::toJson).toList();
            System.out.println(Json.write(out));
        } else {
            System.out.print(table(w, plans));
        }
        return 0;
    }

    /** The JSON object of one plan. */
    static Map<String, Object> toJson(Plan p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", p.strategy().toString());
        m.put("parameters", p.parameters());
        m.put("weight_bytes", p.weightBytes());
        m.put("gradient_bytes", p.gradientBytes());
        m.put("optimizer_bytes", p.optimizerBytes());
        m.put("optimizer_host_bytes", p.optimizerHostBytes());
        m.put("activation_bytes_per_layer", p.activationBytesPerLayer());
        m.put("activation_bytes", p.activationBytes());
        m.put("peak_memory_bytes", p.peakMemoryBytes());
        Map<String, Object> b = new LinkedHashMap<>();
        for (Map.Entry<MemoryCategory, Long> e : p.peakBreakdown().entrySet()) {
            b.put(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
        }
        m.put("peak_breakdown", b);
        m.put("device_memory_bytes", p.workload().device().memoryBytes());
        m.put("fits", p.fits());
        m.put("flops", p.flops());
        m.put("recompute_flops", p.recomputeFlops());
        m.put("host_bytes", p.hostBytes());
        TrafficFields.put(m, p.traffic());
        return m;
    }

    static String table(Workload w, List<Plan> plans) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s %d layers x %d hidden, %,d parameters, seq %d, batch %d, %s, %s, %s attention on %s (%.0f GiB)%n",
                w.model().family().id(), w.model().layers(), w.model().hidden(), w.parameters(), w.training().seqLen(),
                w.training().batch(), w.training().precision().id(), w.training().optimizer().id(),
                w.training().attention().id(), w.device().name(), w.device().memoryBytes() / GIB));
        sb.append(String.format(Locale.ROOT, "%-28s %10s %5s %10s %10s %10s %10s %10s %10s%n", "strategy", "peak GiB", "fits",
                "model GiB", "act GiB", "act/layer", "TFLOP", "recomp %", "PCIe GB"));
        for (Plan p : plans) {
            double model = (p.weightBytes() + p.gradientBytes() + p.optimizerBytes()) / GIB;
            sb.append(String.format(Locale.ROOT, "%-28s %10.2f %5s %10.2f %10.2f %9.1fM %10.2f %10.1f %10.2f%n",
                    p.strategy(), p.peakMemoryBytes() / GIB, p.fits() ? "yes" : "NO", model, p.activationBytes() / GIB,
                    p.activationBytesPerLayer() / 1e6, p.flops() / 1e12, 100 * p.recomputeFlops() / p.flops(),
                    p.pcieBytes() / 1e9));
        }
        return sb.toString();
    }

    private static final double GIB = 1024.0 * 1024 * 1024;
}
