package io.accessplan.cli;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.BackendUnavailableException;
import io.accessplan.collector.Backends;
import io.accessplan.collector.Preset;
import io.accessplan.collector.Progress;
import io.accessplan.collector.Sweep;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.model.Observation;
import io.accessplan.model.train.TrainOptions;
import io.accessplan.model.train.TrainResult;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.Throughput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code accessplan demo}: the main job end to end on the defaults. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job end to end: a small sweep on the simulator, training with grouped cross-validation,"
                + " evaluation against the baselines, an HTML report, and recommendations for well-known models.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "accessplan-demo", description = "working directory: a new one, or one an earlier demo made (reused; default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--seed", defaultValue = "42", description = "sweep seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        prepare(dir);
        Path data = dir.resolve("data");
        Path modelFile = dir.resolve("model.apm");
        Path report = dir.resolve("report.html");

        // 1. sweep
        DeviceCatalog catalog = DeviceCatalog.builtin();
        List<Workload> ws = Preset.SMALL.workloads(new ArrayList<>(catalog.all()), seed);
        step("1/4 sweep: preset small on the simulated GPU (backend = sim; simulated, not measured), "
                + ws.size() + " workloads x every valid strategy");
        Map<String, String> prov = DataLocation.provenance("small");
        try (Backend sim = Backends.open("sim", new BackendOptions(0, 0, seed))) {
            Sweep.Result r = new Sweep(ws, SweepCommand.DEFAULT_REPEATS, seed, 16, Runtime.getRuntime().availableProcessors(), prov, null)
                    .run(sim, ParquetDataset.open(data.toAbsolutePath().toString()), false,
                            Progress.forConsole("sweep sim", System.err));
            System.out.printf(Locale.ROOT, "    %d rows in %d parts: %s%n", r.rows(), r.chunks(), data);
        } catch (BackendUnavailableException e) {
            throw new IllegalStateException(e);
        }

        // 2. train with grouped cross-validation
        step("2/4 train: XGBoost regressors of step time and peak memory, grouped 5-fold cross-validation by architecture");
        List<Observation> rows = DatasetRows.observations(ParquetDataset.open(data.toAbsolutePath().toString()).readAll());
        TrainOptions o = TrainOptions.defaults();
        TrainResult trained = TrainCommand.train(rows, o, modelFile);
        System.out.print(indent(TrainCommand.summary(rows, trained)));
        System.out.println("    model: " + modelFile);

        // 3. report of the held-out evaluation
        step("3/4 evaluate: the cross-validated (held-out architecture) results above, as an HTML report");
        EvaluateCommand.writeReport(report, trained.crossValidation(), "accessplan demo: grouped cross-validation on the small sweep");
        System.out.println("    report: " + report.toAbsolutePath());

        // 4. recommend
        step("4/4 recommend: well-known models, with the model just trained");
        AccessPlanner planner = AccessPlanner.of(trained.model());
        System.out.print(table(planner, wellKnown(catalog)));
        System.out.printf(Locale.ROOT, "%ndemo finished in %.0f s; open %s%n", (System.nanoTime() - t0) / 1e9,
                report.toAbsolutePath());
        return 0;
    }

    /** GPT-2 small on a T4, BERT-large on a V100-16GB, Llama-2-7B on an A100-80GB, a 13B model on an H100. */
    static Map<String, Workload> wellKnown(DeviceCatalog c) {
        Map<String, Workload> m = new LinkedHashMap<>();
        m.put("GPT-2 small", new Workload(ModelSpec.of(io.accessplan.features.Family.GPT, 12, 768, 12, null, null, 50257),
                new TrainingConfig(1024, 16, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE), c.get("t4-16gb")));
        m.put("BERT-large", new Workload(ModelSpec.of(io.accessplan.features.Family.BERT, 24, 1024, 16),
                new TrainingConfig(512, 32, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE), c.get("v100-sxm-16gb")));
        m.put("Llama-2-7B", new Workload(ModelSpec.of(io.accessplan.features.Family.LLAMA, 32, 4096, 32, null, 11008, 32000),
                new TrainingConfig(4096, 8, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED), c.get("a100-sxm-80gb")));
        m.put("Llama-2-13B", new Workload(ModelSpec.of(io.accessplan.features.Family.LLAMA, 40, 5120, 40, null, 13824, 32000),
                new TrainingConfig(4096, 8, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED), c.get("h100-sxm-80gb")));
        return m;
    }

    static String table(AccessPlanner planner, Map<String, Workload> models) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "    %-12s %-15s %7s %-26s %5s %10s %10s %10s %6s %9s  %s%n", "model", "device",
                "params", "strategy", "fits", "step ms", "samples/s", "tokens/s", "MFU", "peak GiB", "runner-up"));
        models.forEach((name, w) -> {
            Recommendation r = planner.recommend(w);
            String runnerUp = r.alternatives().stream().filter(a -> a.fits()).findFirst()
                    .map(a -> a.strategy() + " (" + a.whyLost() + ")").orElse("-");
            sb.append(String.format(Locale.ROOT, "    %-12s %-15s %6.1fB %-26s %5s %10.1f %10s %10s %6s %9.2f  %s%n", name,
                    w.device().name(), w.parameters() / 1e9, r.strategy(), r.fits() ? "yes" : "NO", r.predictedStepTimeMs(),
                    Throughput.readable(r.throughputSamplesPerSecond()),
                    Double.isNaN(r.tokensPerSecond()) ? "-" : Throughput.readable(r.tokensPerSecond()),
                    Throughput.percent(r.mfu()), r.predictedPeakMemoryBytes() / (1L << 30), runnerUp));
        });
        return sb.toString();
    }

    private static void step(String s) {
        System.out.println();
        System.out.println("== " + s);
    }

    private static String indent(String s) {
        return s.lines().map(l -> "    " + l).reduce("", (a, b) -> a + b + "\n");
    }

    /** The file that marks a directory this command made; only such a directory is ever cleared. */
    static final String MARKER = ".accessplan-demo";

    /**
     * Makes the working directory, or reuses one this command made before (it holds {@link #MARKER}),
     * deleting only what a demo run writes there. Anything else (the working directory or one above it,
     * a user's directory, a file) is refused before anything is touched.
     */
    static void prepare(Path dir) {
        String spelled = dir.toString();
        if (spelled.isBlank()) {
            throw new BadInputException("Invalid --dir: '' (a new directory name is required)");
        }
        Path real = OutputPaths.canonical(dir);
        Path cwd = OutputPaths.canonical(Path.of(""));
        if (cwd.startsWith(real) || real.getParent() == null) {
            throw new BadInputException("Invalid --dir: " + spelled + " (it is the working directory or one above it;"
                    + " the demo needs a directory of its own)");
        }
        try {
            if (Files.exists(dir) || Files.isSymbolicLink(dir)) {
                if (!Files.isDirectory(dir)) {
                    throw new BadInputException("Invalid --dir: " + spelled + " (not a directory; the demo makes its own)");
                }
                if (!Files.isRegularFile(dir.resolve(MARKER), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new BadInputException("Invalid --dir: " + spelled + " (an existing directory the demo did not make,"
                            + " no " + MARKER + " in it; choose a new --dir)");
                }
                for (String made : OUTPUTS) {
                    deleteTree(dir.resolve(made));
                }
                return;
            }
            OutputPaths.check("--dir", spelled, OutputPaths.Kind.DIRECTORY, List.of());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(MARKER), "made by accessplan demo; 'demo --dir' reuses and clears only this"
                    + " directory's data/, model.apm and report.html\n");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare --dir " + spelled + ": " + Main.firstLine(String.valueOf(e.getMessage())), e);
        }
    }

    /** What a demo run writes in its directory, relative to it. */
    private static final List<String> OUTPUTS = List.of("data", "model.apm", "report.html");

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        } else {
            Files.delete(p);
        }
    }
}
