package io.accessplan.cli;

import io.accessplan.features.Workload;
import io.accessplan.model.Objective;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.ObjectiveAnswer;
import io.accessplan.predictor.Alternative;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.Throughput;
import io.accessplan.predictor.emit.Framework;
import io.accessplan.predictor.emit.FrameworkSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code accessplan recommend}: the best strategy for one workload, and why the others lost. */
@Command(name = "recommend", mixinStandardHelpOptions = true,
        description = "Recommends the fastest memory scheduling strategy that fits, for one workload.")
final class RecommendCommand implements Callable<Integer> {
    @Mixin
    WorkloadOptions workload;

    @Mixin
    ModelOption model;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Option(names = "--alternatives", defaultValue = "8", description = "alternatives to print (default ${DEFAULT-VALUE}; JSON has all)")
    int shown;

    @Option(names = "--emit", paramLabel = "FRAMEWORK", description = "print the settings that realise the strategy in"
            + " hf (Transformers TrainingArguments), deepspeed (config JSON), megatron (Megatron-LM flags), torchtitan"
            + " (TOML) or pytorch (a training step); notes go to stderr. With --json: deepspeed prints its config,"
            + " the others a JSON object holding the settings")
    String emit;

    @Option(names = "--objective", defaultValue = "time", description = "what best means: time (fastest fitting"
            + " step, the default), energy (least energy per sample among fitting strategies) or energy-within:P%%"
            + " (least energy within P%% of the fastest); energy needs a model trained on rows with energy_j")
    String objective;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (shown < 0) {
            throw new BadInputException("Invalid --alternatives: " + shown + " (must be >= 0)");
        }
        Framework framework = emit == null ? null : Framework.parse(emit);
        Objective obj = Objective.parse(objective);
        Workload w = workload.workload();
        AccessPlanner planner = model.planner();
        if (obj.needsEnergy()) {
            if (framework != null) {
                throw new BadInputException("Invalid --emit with --objective " + obj + ": settings are emitted for the"
                        + " time objective's pick only");
            }
            ObjectiveAnswer a = planner.recommend(w, obj);
            if (json) {
                System.out.println(Json.write(toJson(w, a)));
            } else {
                System.out.print(text(a, shown));
            }
            return 0;
        }
        Recommendation r = planner.recommend(w);
        if (framework != null) {
            FrameworkSettings fs = FrameworkSettings.of(r, framework);
            PrintWriter err = spec.commandLine().getErr();
            err.println("note: recommended " + (r.fits() ? "" : "(nothing fits) ") + r.summary());
            fs.notes().forEach(n -> err.println("note: " + n));
            err.flush();
            if (json && framework != Framework.DEEPSPEED) {
                System.out.println(Json.write(settingsJson(fs)));
            } else {
                System.out.print(fs.text().endsWith("\n") ? fs.text() : fs.text() + "\n");
            }
        } else if (json) {
            Map<String, Object> m = toJson(r);
            if (planner.model().predictsEnergy()) {
                ObjectiveAnswer a = planner.recommend(w, Objective.TIME);
                m.put("objective", a.objective().toString());
                m.put("predicted_energy_j", a.predictedEnergyJ());
                m.put("other_objective", other(a));
            }
            System.out.println(Json.write(m));
        } else {
            System.out.print(text(r, shown));
        }
        return 0;
    }

    /** The JSON object of an answer under an energy objective: the pick, the other objective's, every candidate. */
    static Map<String, Object> toJson(Workload w, ObjectiveAnswer a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("objective", a.objective().toString());
        m.putAll(candidate(w, a, a.chosen()));
        m.put("predicted_energy_per_sample_j", a.predictedEnergyPerSampleJ());
        m.put("summary", a.summary());
        m.put("other_objective", other(a));
        List<Map<String, Object>> alts = new java.util.ArrayList<>();
        for (int i = 0; i < a.predictions().size(); i++) {
            if (i != a.chosen()) {
                alts.add(candidate(w, a, i));
            }
        }
        m.put("alternatives", alts);
        return m;
    }

    private static Map<String, Object> candidate(Workload w, ObjectiveAnswer a, int i) {
        Map<String, Object> m = new LinkedHashMap<>();
        var p = a.predictions().get(i);
        m.put("strategy", p.strategy().toString());
        m.put("predicted_step_time_ms", p.stepTimeMs());
        m.put("predicted_peak_memory_bytes", Math.round(p.peakBytes()));
        m.put("fits", p.fits());
        m.put("predicted_energy_j", a.energyJ()[i]);
        TrafficFields.put(m, w, p.strategy());
        return m;
    }

    /** What the other objective picks and what it costs against the answer (fractions; null without energies). */
    private static Map<String, Object> other(ObjectiveAnswer a) {
        var q = a.otherPrediction();
        if (q == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("objective", a.other().toString());
        m.put("strategy", q.strategy().toString());
        m.put("predicted_step_time_ms", q.stepTimeMs());
        m.put("predicted_energy_j", a.otherEnergyJ());
        m.put("step_time_change", q.stepTimeMs() / a.prediction().stepTimeMs() - 1);
        m.put("energy_change", a.otherEnergyJ() / a.predictedEnergyJ() - 1);
        return m;
    }

    static String text(ObjectiveAnswer a, int shown) {
        StringBuilder sb = new StringBuilder(a.summary()).append('\n');
        sb.append(String.format(Locale.ROOT, "%-28s %12s %12s %5s%n", "strategy", "step ms", "energy J", "fits"));
        java.util.stream.IntStream.range(0, a.predictions().size()).boxed()
                .sorted(java.util.Comparator.comparingDouble(i -> a.energyJ()[i])).limit(shown + 1L)
                .forEach(i -> sb.append(String.format(Locale.ROOT, "%-28s %12.2f %12.3f %5s%n",
                        a.predictions().get(i).strategy(), a.predictions().get(i).stepTimeMs(), a.energyJ()[i],
                        a.predictions().get(i).fits() ? "yes" : "NO")));
        return sb.toString();
    }

    /** The JSON object of a framework's settings (the form of all but DeepSpeed, whose settings are JSON). */
    static Map<String, Object> settingsJson(FrameworkSettings fs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("framework", fs.framework().id());
        m.put("strategy", fs.strategy().toString());
        m.put("settings_strategy", fs.realised().toString());
        m.put("format", fs.framework().format());
        m.put("settings", fs.text());
        m.put("notes", fs.notes());
        return m;
    }

    /** A rate for JSON: null where there is none (tokens of an mlp). */
    private static Double rate(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** The JSON object of a recommendation (DESIGN.md's fields first). */
    static Map<String, Object> toJson(Recommendation r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", r.strategy().toString());
        m.put("policy_layers", r.policyLayers().isPresent() ? r.policyLayers().getAsInt() : null);
        m.put("predicted_step_time_ms", r.predictedStepTimeMs());
        m.put("predicted_peak_memory_bytes", Math.round(r.predictedPeakMemoryBytes()));
        m.put("fits", r.fits());
        m.put("summary", r.summary());
        m.put("step_time_interval_ms", List.of(r.stepTimeLowMs(), r.stepTimeHighMs()));
        m.put("peak_memory_interval_bytes", List.of(Math.round(r.peakLowBytes()), Math.round(r.peakHighBytes())));
        m.put("throughput_samples_per_s", r.throughputSamplesPerSecond());
        m.put("tokens_per_s", rate(r.tokensPerSecond()));
        m.put("mfu", r.mfu());
        m.put("hfu", r.hfu());
        m.put("peak_tflops", r.workload().device().peakTflops(r.workload().training().precision()));
        m.put("headroom_bytes", Math.round(r.headroomBytes()));
        m.put("device", r.workload().device().name());
        m.put("device_memory_bytes", r.workload().device().memoryBytes());
        m.put("workload_id", r.workload().id());
        TrafficFields.put(m, r.workload(), r.strategy());
        m.put("alternatives", r.alternatives().stream().map(a -> alt(r.workload(), a)).toList());
        return m;
    }

    private static Map<String, Object> alt(Workload w, Alternative a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", a.strategy().toString());
        m.put("predicted_step_time_ms", a.predictedStepTimeMs());
        m.put("predicted_peak_memory_bytes", Math.round(a.predictedPeakMemoryBytes()));
        m.put("fits", a.fits());
        m.put("throughput_samples_per_s", a.throughput().samplesPerSecond());
        m.put("tokens_per_s", rate(a.throughput().tokensPerSecond()));
        m.put("mfu", a.throughput().mfu());
        m.put("hfu", a.throughput().hfu());
        m.put("why_lost", a.whyLost());
        TrafficFields.put(m, w, a.strategy());
        return m;
    }

    static String text(Recommendation r, int shown) {
        StringBuilder sb = new StringBuilder();
        Workload w = r.workload();
        sb.append(String.format(Locale.ROOT, "%s, %,d parameters, seq %d x batch %d, %s on %s%n", w.model().family().id(),
                w.parameters(), w.training().seqLen(), w.training().batch(), w.training().precision().id(), w.device().name()));
        sb.append(r.fits() ? "recommended: " : "").append(r.summary()).append('\n');
        if (r.fits()) {
            sb.append(String.format(Locale.ROOT, "  step time %.1f ms (90%% interval %.1f-%.1f), peak %.2f GiB (%.2f-%.2f), headroom %.2f GiB%n",
                    r.predictedStepTimeMs(), r.stepTimeLowMs(), r.stepTimeHighMs(), r.predictedPeakMemoryBytes() / GIB,
                    r.peakLowBytes() / GIB, r.peakHighBytes() / GIB, r.headroomBytes() / GIB));
            Throughput t = r.throughput();
            sb.append(String.format(Locale.ROOT, "  throughput %s samples/s%s; MFU %s, HFU %s of the dense %s peak (%s TFLOP/s)%n",
                    Throughput.readable(t.samplesPerSecond()),
                    Double.isNaN(t.tokensPerSecond()) ? "" : ", " + Throughput.readable(t.tokensPerSecond()) + " tokens/s",
                    Throughput.percent(t.mfu()), Throughput.percent(t.hfu()), w.training().precision().id(),
                    Throughput.readable(w.device().peakTflops(w.training().precision()))));
        }
        sb.append("alternatives:\n");
        r.alternatives().stream().limit(shown).forEach(a -> sb.append(String.format(Locale.ROOT,
                "  %-26s %10.1f ms %8.2f GiB  MFU %6s  %s%n", a.strategy(), a.predictedStepTimeMs(),
                a.predictedPeakMemoryBytes() / GIB, Throughput.percent(a.throughput().mfu()), a.whyLost())));
        if (r.alternatives().size() > shown) {
            sb.append(String.format(Locale.ROOT, "  ... %d more (--json lists all)%n", r.alternatives().size() - shown));
        }
        return sb.toString();
    }

    private static final double GIB = 1024.0 * 1024 * 1024;
}
