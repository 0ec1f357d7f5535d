package io.accessplan.cli;

import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.EnergyEvaluation;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.model.evaluate.HtmlReport;
import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code accessplan evaluate}: a model against the baselines on a dataset. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluates a model on a dataset: top-1 accuracy, regret, OOM rate and MAPE, beside the baselines.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--data", required = true, split = ",", description = "dataset directories or Hadoop URIs, comma-separated")
    List<String> data;

    @Option(names = "--skip-damaged", description = "leave out damaged parts (each named, and counted) instead of refusing the dataset")
    boolean skipDamaged;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Option(names = "--report", description = "write an HTML report with plots")
    Path report;

    @Override
    public Integer call() {
        if (report != null) {
            OutputPaths.check("--report", report.toString(), OutputPaths.Kind.FILE,
                    java.util.stream.Stream.concat(data.stream(),
                            java.util.stream.Stream.ofNullable(model.model).map(Path::toString)).toList());
        }
        List<Observation> rows = TrainCommand.read(data, skipDamaged);
        StrategyModel m = model.planner().model();
        EvaluationReport r = Evaluator.evaluate(m, rows);
        EnergyEvaluation energy = EnergyEvaluation.of(m, rows, r);
        Map<String, Object> figures = trainingFigures(m);
        io.accessplan.model.train.MeasuredValidation.Misses misses = io.accessplan.model.train.MeasuredValidation.misses(r);
        if (json) {
            System.out.println(withAdditions(r.toJson(), energy, figures, misses));
        } else {
            System.out.println(r.toTable() + misses.toText().strip() + energyTable(energy));
            if (!figures.isEmpty()) {
                System.out.println("figures of the model's training on measured rows (from its file):");
                figures.forEach((k, v) -> System.out.println("  " + k + " = " + v));
            }
        }
        if (report != null) {
            writeReport(report, r, "accessplan evaluation of " + String.join(",", data));
            if (!json) {
                System.out.println("report: " + report.toAbsolutePath());
            }
        }
        return 0;
    }

    /** The measured-row figures training recorded in the model ({@code measured-cv/...}, {@code leave-card-out/...}). */
    static Map<String, Object> trainingFigures(StrategyModel m) {
        Map<String, Object> out = new java.util.TreeMap<>();
        m.metadata().crossValidation().forEach((k, v) -> {
            if (k.startsWith("measured-cv/") || k.startsWith("leave-card-out/") || k.equals("measured_weight")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The report's JSON, parsed once, with {@code energy_mape} beside the time metrics, the {@code energy}
     * object, a {@code top1_misses} object where {@code misses} is given and, where training recorded them, a
     * {@code training_figures} object (the contract's fields unchanged).
     */
    static String withAdditions(String reportJson, EnergyEvaluation e, Map<String, Object> figures,
                                io.accessplan.model.train.MeasuredValidation.Misses misses) {
        try {
            com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> m = om.readValue(reportJson, java.util.LinkedHashMap.class);
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (k.equals("baselines")) {
                    out.put("energy_mape", Double.isNaN(e.energyMape()) ? null : e.energyMape());
                    @SuppressWarnings("unchecked")
                    java.util.Map<String, Object> bs = (java.util.Map<String, Object>) v;
                    java.util.Map<String, Object> withEnergy = new java.util.LinkedHashMap<>();
                    bs.forEach((name, fields) -> {
                        @SuppressWarnings("unchecked")
                        java.util.Map<String, Object> f = (java.util.Map<String, Object>) fields;
                        withEnergy.put(name, withEnergyRegret(f, e.energyRegret().get(name)));
                    });
                    v = withEnergy;
                }
                out.put(k, v);
                if (k.equals("mean_regret")) {
                    putEnergyRegret(out, e.energyRegret().get("model"));
                }
            });
            out.put("energy", e.toMap());
            if (misses != null) {
                out.put("top1_misses", misses.toMap());
            }
            if (!figures.isEmpty()) {
                out.put("training_figures", figures);
            }
            return io.accessplan.model.Json.writePretty(out);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A method's fields with {@code mean_energy_regret} right after {@code mean_regret} (null where not measured). */
    private static java.util.Map<String, Object> withEnergyRegret(java.util.Map<String, Object> fields, Double regret) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        fields.forEach((k, v) -> {
            out.put(k, v);
            if (k.equals("mean_regret")) {
                putEnergyRegret(out, regret);
            }
        });
        return out;
    }

    private static void putEnergyRegret(java.util.Map<String, Object> into, Double regret) {
        into.put("mean_energy_regret", regret == null || regret.isNaN() ? null : regret);
    }

    static String energyTable(EnergyEvaluation e) {
        if (Double.isNaN(e.energyMape()) && e.energyRegret().values().stream().allMatch(v -> v.isNaN())) {
            return keepMissText(e);   // no energy measured: the time saving over the heuristic still holds
        }
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "%nenergy MAPE %.2f%%; energy regret:",
                100 * e.energyMape()));
        e.energyRegret().forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, " %s %.2f%%", k, 100 * v)));
        sb.append(" (the baselines' energy choice is their time choice: the planner has no energy estimate)");
        sb.append(keepMissText(e));
        if (e.objectives() != null) {
            sb.append(String.format("%n")).append(e.objectives().toText().strip());
        }
        return sb.toString();
    }

    /** Where keep does not fit: the model against the heuristic, in time (and energy where measured). */
    static String keepMissText(EnergyEvaluation e) {
        if (e.keepMissAll() == 0) {
            return "";
        }
        return String.format(java.util.Locale.ROOT, "%nwhere keep does not fit (%d workloads; the heuristic's choice"
                        + " does not fit on %d, the model's on %d): on the %d where both fit the model's choice saves"
                        + " %.2f%% step time over the heuristic's%s", e.keepMissAll(), e.keepMissHeuristicOom(),
                e.keepMissModelOom(), e.keepMissWorkloads(), 100 * e.stepTimeSaving(),
                e.keepMissEnergyWorkloads() == 0 ? " (no measured energy)" : String.format(java.util.Locale.ROOT,
                        " and %.2f%% energy (%d with both energies)", 100 * e.energySaving(), e.keepMissEnergyWorkloads()));
    }

    static void writeReport(Path file, EvaluationReport r, String title) {
        try {
            HtmlReport.write(file, r, title);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write report " + file + ": " + Main.firstLine(String.valueOf(e.getMessage())), e);
        }
    }
}
