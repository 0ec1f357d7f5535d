package io.accessplan.cli;

import io.accessplan.model.train.CrossValidation;
import io.accessplan.model.train.EncodedRows;
import io.accessplan.model.evaluate.EvaluationReport;
import io.accessplan.model.evaluate.ObjectiveComparison;
import io.accessplan.model.evaluate.Metrics;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.train.MultiSourceTrainer;
import io.accessplan.model.Observation;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.TrainResult;
import io.accessplan.model.train.StepLevel;
import io.accessplan.model.StrategyModel;
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
    @Option(names = "--data", required = true, split = ",",
            description = "dataset directories or Hadoop URIs, comma-separated: simulated and measured rows together")
    List<String> data;

    @Option(names = "--skip-damaged", description = "leave out damaged parts (each named, and counted) instead of refusing the dataset")
    boolean skipDamaged;

    @Option(names = "--out", required = true, description = "model file to write")
    Path out;

    @Option(names = "--leave-one-device-out", description = "also train without each GPU and test on it")
    boolean lodo;

    @Option(names = "--measured-weight", description = "how many times a measured (cuda) row counts in every fit"
            + " (default " + MultiSourceTrainer.DEFAULT_MEASURED_WEIGHT + ")")
    Integer measuredWeight;

    @Option(names = "--measured-folds", defaultValue = "5",
            description = "folds of the grouped cross-validation over the measured rows (default ${DEFAULT-VALUE})")
    int measuredFolds;

    @Option(names = "--no-twin", description = "do not add the calibrated twin's sweep of a measured dataset that"
            + " ships a profile (" + TWIN_PROFILE + ")")
    boolean noTwin;

    /** The profile file a measured dataset folder may ship (from calibrate). */
    static final String TWIN_PROFILE = "sim-profile.json";

    @Mixin
    TrainingFlags flags;

    @Override
    public Integer call() {
        TrainOptions o = flags.options();
        int w = measuredWeight != null ? measuredWeight : MultiSourceTrainer.DEFAULT_MEASURED_WEIGHT;
        if (w < 1) {
            throw new BadInputException("Invalid measured weight: " + w + " (must be >= 1)");
        }
        if (measuredFolds < 2) {
            throw new BadInputException("Invalid measured folds: " + measuredFolds + " (must be >= 2)");
        }
        OutputPaths.check("--out", out.toString(), OutputPaths.Kind.FILE, data);
        List<Observation> rows = new java.util.ArrayList<>(read(data, skipDamaged));
        if (!noTwin) {
            rows.addAll(twins(data, o.seed()));
        }
        // one encoding and one set of exact plans for the training and every report below
        EncodedRows encoded = EncodedRows.of(rows);
        MultiSourceTrainer.Result mr = MultiSourceTrainer.train(encoded, o, w, measuredFolds);
        TrainResult r = mr.train();
        try {
            r.model().save(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model " + out, e);
        }
        System.out.print(summary(rows, r));
        System.out.print(measuredSummary(mr));
        if (lodo) {
            System.out.print(leaveOneDeviceOut(encoded, o.withStepLevel(ModelTrainer.form(r.model()))));
        }
        return 0;
    }

    /** The union of the rows of several datasets, read in the order given (each must exist). */
    static List<Observation> read(List<String> datasets, boolean skipDamaged) {
        List<List<Observation>> each = new java.util.ArrayList<>();
        for (String d : datasets) {
            each.add(DatasetRows.observations(DataLocation.read(d.trim(), skipDamaged)));
        }
        return MultiSourceTrainer.union(each);
    }

    /**
     * The calibrated twins of the measured datasets among {@code datasets} that ship a profile:
     * the {@code standard} preset on each card's devices at rates around the card's
     * ({@link io.accessplan.collector.sim.TwinSweep}), 3 repeats, simulated with the card's
     * parameters. These rows are {@code sim}; see {@link MultiSourceTrainer} for why they help.
     */
    static List<Observation> twins(List<String> datasets, long seed) {
        List<Observation> out = new java.util.ArrayList<>();
        for (String d : datasets) {
            Path f = Path.of(d.trim()).resolve(TWIN_PROFILE);
            if (!d.contains(":") && java.nio.file.Files.isRegularFile(f)) {
                io.accessplan.collector.sim.CalibrationProfile p = ProfileOption.load(f);
                List<Observation> t = DatasetRows.observations(
                        io.accessplan.collector.sim.TwinSweep.rows(p, io.accessplan.collector.Preset.STANDARD, 3, seed));
                System.out.printf(Locale.ROOT, "twin of %s (%s): %d simulated rows on its devices, at bandwidth and GEMM"
                        + " rates within a factor %.1f of the card's%n", p.card(), f, t.size(),
                        io.accessplan.collector.sim.TwinSweep.RATE_BAND);
                out.addAll(t);
            }
        }
        return out;
    }

    /** Protocols (a) and (b) on the measured rows, as tables. */
    static String measuredSummary(MultiSourceTrainer.Result r) {
        StringBuilder sb = new StringBuilder();
        if (!r.measuredCv().isEmpty()) {
            r.measuredCv().forEach((name, rep) -> {
                sb.append("measured rows (").append(name).append("): grouped cross-validation by architecture, each"
                        + " fold trained on every simulated row and the other folds' measured rows:\n");
                sb.append(rep.toTable());
                sb.append(io.accessplan.model.train.MeasuredValidation.misses(rep).toText());
            });
        }
        r.leaveCard().forEach((card, rep) -> {
            sb.append("leave-one-card-out: trained without ").append(card)
                    .append("'s measured rows, tested on them:\n");
            sb.append(rep.toTable());
            sb.append(io.accessplan.model.train.MeasuredValidation.misses(rep).toText());
        });
        return sb.toString();
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
        sb.append(levelLine(r));
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
        ObjectiveComparison objectives = ObjectiveComparison.fromMetadata(r.model().metadata().crossValidation());
        if (objectives != null) {
            sb.append("grouped CV, ").append(objectives.toText());
        }
        return sb.toString();
    }

    /**
     * Which step-time level form the model kept, and why: the forms' grouped-CV step MAPE on the
     * same folds where cross-validation compared them (and on the measured rows alone, which decide, where the
     * data has some).
     */
    static String levelLine(TrainResult r) {
        StepLevel kept = ModelTrainer.form(r.model());
        Map<String, Object> cv = r.model().metadata().crossValidation();
        Object abs = cv.get(ModelTrainer.LEVEL_MAPE + StepLevel.ABSOLUTE.id());
        Object lvl = cv.get(ModelTrainer.LEVEL_MAPE + StepLevel.REGRESSOR.id());
        Object absM = cv.get(ModelTrainer.LEVEL_MAPE_MEASURED + StepLevel.ABSOLUTE.id());
        Object lvlM = cv.get(ModelTrainer.LEVEL_MAPE_MEASURED + StepLevel.REGRESSOR.id());
        String why = abs instanceof Number a && lvl instanceof Number l ? String.format(Locale.ROOT,
                "grouped CV step MAPE on the same folds: absolute %.2f%%, level %.2f%%", 100 * a.doubleValue(),
                100 * l.doubleValue()) + (absM instanceof Number am && lvlM instanceof Number lm
                ? String.format(Locale.ROOT, "; on the measured rows alone: absolute %.2f%%, level %.2f%%; the lower"
                + " on the measured rows kept", 100 * am.doubleValue(), 100 * lm.doubleValue()) : "; the lower kept")
                : "fixed by --step-level or without cross-validation";
        return "step-time level: " + kept.id() + (kept == StepLevel.REGRESSOR ? " (" + StrategyModel.LEVEL
                + " on one row per workload)" : " (mean of " + StrategyModel.STEP_TIME + " over the candidates)")
                + "; " + why + "\n";
    }

    static String leaveOneDeviceOut(EncodedRows rows, TrainOptions o) {
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
