package io.accessplan.cli;

import io.accessplan.model.train.CrossValidation;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.Metrics;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.Observation;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.TrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code accessplan train}: Tribuo regressors from a dataset, with grouped cross-validation. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains the step-time and peak-memory regressors on a dataset and writes a model file.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "dataset directory or Hadoop URI")
    String data;

    @Option(names = "--skip-damaged", description = "leave out damaged parts (each named, and counted) instead of refusing the dataset")
    boolean skipDamaged;

    @Option(names = "--out", required = true, description = "model file to write")
    Path out;

    @Option(names = "--leave-one-device-out", description = "also train without each GPU and test on it")
    boolean lodo;

    @Mixin
    TrainingFlags flags;

    @Override
    public Integer call() {
        TrainOptions o = flags.options();
        OutputPaths.check("--out", out.toString(), OutputPaths.Kind.FILE, List.of(data.split(",")));
        List<Observation> rows = DatasetRows.observations(DataLocation.read(data, skipDamaged));
        TrainResult r = train(rows, o, out);
        System.out.print(summary(rows, r));
        if (lodo) {
            System.out.print(leaveOneDeviceOut(rows, o));
        }
        return 0;
    }

    static TrainResult train(List<Observation> rows, TrainOptions o, Path out) {
        TrainResult r = ModelTrainer.train(rows, o);
        try {
            r.model().save(out);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write model " + out + ": " + Main.firstLine(String.valueOf(e.getMessage())), e);
        }
        return r;
    }

    static String summary(List<Observation> rows, TrainResult r) {
        StringBuilder sb = new StringBuilder();
        long workloads = rows.stream().map(x -> x.workload().id()).distinct().count();
        long archs = rows.stream().map(x -> x.workload().architectureId()).distinct().count();
        sb.append(String.format(Locale.ROOT, "trained on %d rows (%d workloads, %d architectures) in %.1f s%n",
                rows.size(), workloads, archs, r.seconds()));
        if (!r.transformMape().isEmpty()) {
            sb.append("target forms tried (cross-validated MAPE):");
            r.transformMape().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.2f%%", k, 100 * v)));
            sb.append('\n');
        }
        EvaluationReport cv = r.crossValidation();
        if (cv != null) {
            sb.append("grouped cross-validation by architecture (held-out models never seen in training):\n");
            sb.append(cv.toTable());
        }
        Object energy = r.model().metadata().crossValidation().get("energy_mape");
        if (energy instanceof Number e) {
            sb.append(String.format(Locale.ROOT, "energy per step (rows with energy_j), grouped CV MAPE %.2f%%%n",
                    100 * e.doubleValue()));
        }
        return sb.toString();
    }

    static String leaveOneDeviceOut(List<Observation> rows, TrainOptions o) {
        Map<String, EvaluationReport> byDevice = CrossValidation.leaveOneDeviceOut(rows, o.withFolds(0));
        StringBuilder sb = new StringBuilder("leave-one-device-out (trained without the GPU, tested on it):\n");
        sb.append(String.format(Locale.ROOT, "%-16s %9s %7s %9s %9s %7s %9s %9s%n", "device", "workloads", "top-1",
                "mean reg", "p95 reg", "oom", "time MAPE", "peak MAPE"));
        byDevice.forEach((d, rep) -> {
            Metrics m = rep.model();
            sb.append(String.format(Locale.ROOT, "%-16s %9d %6.1f%% %8.2f%% %8.2f%% %6.2f%% %8.2f%% %8.2f%%%n", d,
                    m.workloads(), 100 * m.top1Accuracy(), 100 * m.meanRegret(), 100 * m.p95Regret(), 100 * m.oomRate(),
                    100 * m.stepTimeMape(), 100 * m.peakMemoryMape()));
        });
        return sb.toString();
    }
}
