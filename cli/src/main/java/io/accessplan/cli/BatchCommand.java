package io.accessplan.cli;

import io.accessplan.features.DeviceCatalog;
import io.accessplan.predictor.emit.Framework;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code accessplan batch}: one answer row per job. */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Answers a file of jobs (CSV, JSONL or Parquet, columns named like the dataset's) with one row per job.")
final class BatchCommand implements Callable<Integer> {
    @Option(names = "--jobs", required = true, description = "jobs file: .csv, .jsonl or .parquet")
    Path jobs;

    @Option(names = "--out", required = true, description = "answers file: .csv, .jsonl or .parquet")
    Path out;

    @Option(names = "--devices-file", description = "CSV of extra device profiles")
    Path devicesFile;

    @Mixin
    ModelOption model;

    @Option(names = "--emit", paramLabel = "FRAMEWORK", description = "add the columns settings, settings_strategy and"
            + " settings_note: each answer in hf, deepspeed, megatron, torchtitan or pytorch settings")
    String emit;

    @Option(names = "--objective", description = "time (default), energy or energy-within:P%%: adds the columns"
            + " objective, predicted_energy_j and what the other objective picks; under an energy objective the"
            + " answer columns are its pick's (needs a model trained on rows with energy_j)")
    String objective;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        OutputPaths.checkFile("--out", out, jobs, model.model, devicesFile);
        Framework framework = emit == null ? null : Framework.parse(emit);
        io.accessplan.model.Objective obj = objective == null ? null : io.accessplan.model.Objective.parse(objective);
        DeviceCatalog catalog = DeviceCatalog.builtinWith(devicesFile);
        BatchRunner.Result r = BatchRunner.run(model.planner(), jobs, out, catalog, framework, obj);
        System.out.printf(Locale.ROOT, "answered %d jobs (%d error rows) in %.1f s: %s%n", r.jobs(), r.errors(),
                (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }
}
