package io.accessplan.cli;

import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Evaluator;
import io.accessplan.model.evaluate.HtmlReport;
import io.accessplan.model.Observation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code accessplan evaluate}: a model against the baselines on a dataset. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluates a model on a dataset: top-1 accuracy, regret, OOM rate and MAPE, beside the baselines.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--data", required = true, description = "dataset directory or Hadoop URI")
    String data;

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
                    java.util.stream.Stream.concat(java.util.Arrays.stream(data.split(",")),
                            java.util.stream.Stream.ofNullable(model.model).map(Path::toString)).toList());
        }
        List<Observation> rows = DatasetRows.observations(DataLocation.read(data, skipDamaged));
        EvaluationReport r = Evaluator.evaluate(model.planner().model(), rows);
        System.out.println(json ? r.toJson() : r.toTable());
        if (report != null) {
            writeReport(report, r, "accessplan evaluation of " + data);
            if (!json) {
                System.out.println("report: " + report.toAbsolutePath());
            }
        }
        return 0;
    }

    static void writeReport(Path file, EvaluationReport r, String title) {
        try {
            HtmlReport.write(file, r, title);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write report " + file + ": " + Main.firstLine(String.valueOf(e.getMessage())), e);
        }
    }
}
