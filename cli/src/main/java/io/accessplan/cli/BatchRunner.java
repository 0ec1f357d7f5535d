package io.accessplan.cli;

import io.accessplan.datasets.WorkloadTable;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;
import io.accessplan.model.Objective;
import io.accessplan.model.Prediction;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.ObjectiveAnswer;
import io.accessplan.predictor.Throughput;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.emit.Framework;
import io.accessplan.predictor.emit.FrameworkSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A batch of jobs in (CSV, JSONL or Parquet), one answer row per job out (same formats, chosen by
 * extension, read and written by {@link WorkloadTable}). Each job's own columns are carried through; a
 * bad job gets an error row naming the field and value while the others are answered. The output is
 * written beside its target and renamed into place, so a killed run never leaves a half-written answer file.
 */
final class BatchRunner {
    /** Columns added to each job's row. */
    static final List<String> ANSWER_COLUMNS = List.of("strategy", "fits", "predicted_step_time_ms",
            "predicted_peak_memory_bytes", "throughput_samples_per_s", "tokens_per_s", "mfu", "hfu", "headroom_bytes",
            "error");

    /**
     * Columns added with {@code --emit F}, before {@code error}: the settings in F's form, the strategy they
     * realise (the nearest F can express where it cannot express {@code strategy}) and their notes.
     */
    static final List<String> SETTINGS_COLUMNS = List.of("settings", "settings_strategy", "settings_note");

    /**
     * Columns added with {@code --objective}, before {@code error}: the objective, the pick's predicted
     * energy per step, and what the other objective picks with its step time and energy. Under an
     * energy objective {@code strategy} and the answer columns are the objective's pick's.
     */
    static final List<String> OBJECTIVE_COLUMNS = List.of("objective", "predicted_energy_j", "other_objective",
            "other_strategy", "other_predicted_step_time_ms", "other_predicted_energy_j");

    /** What a batch did. */
    record Result(int jobs, int errors) {
    }

    private BatchRunner() {
    }

    static Result run(AccessPlanner planner, Path jobs, Path out, DeviceCatalog catalog) {
        return run(planner, jobs, out, catalog, null);
    }

    /** As {@link #run(AccessPlanner, Path, Path, DeviceCatalog)}, with each answer's settings in a framework (null: none). */
    static Result run(AccessPlanner planner, Path jobs, Path out, DeviceCatalog catalog, Framework emit) {
        return run(planner, jobs, out, catalog, emit, null);
    }

    /** As above, answering under an objective (null: time, without the objective columns). */
    static Result run(AccessPlanner planner, Path jobs, Path out, DeviceCatalog catalog, Framework emit,
                      Objective objective) {
        if (objective != null && objective.needsEnergy()) {
            if (!planner.model().predictsEnergy()) {
                throw new BadInputException("Objective " + objective + " needs a model that predicts energy: this one"
                        + " has no energy regressor (retrain on a dataset with energy_j)");
            }
            if (emit != null) {
                throw new BadInputException("Invalid --emit with --objective " + objective + ": settings are emitted"
                        + " for the time objective's pick only");
            }
        }
        String outFormat = format(out);
        if (outFormat == null) {
            throw new BadInputException("Unsupported output file: " + out + " (expected .csv, .jsonl or .parquet)");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        readJobs(jobs, rows, errors);
        List<Workload> valid = new ArrayList<>();
        int[] index = new int[rows.size()];
        int bad = 0;
        for (int i = 0; i < rows.size(); i++) {
            index[i] = -1;
            if (errors.get(i) != null) {
                bad++;
                continue;
            }
            try {
                valid.add(WorkloadColumns.parse(rows.get(i), catalog));
                index[i] = valid.size() - 1;
            } catch (IllegalArgumentException e) {
                errors.set(i, e.getMessage());
                bad++;
            }
        }
        List<Recommendation> answers = planner.recommendAll(valid);
        LinkedHashSet<String> cols = new LinkedHashSet<>();
        for (Map<String, Object> r : rows) {
            cols.addAll(r.keySet());
        }
        List<String> answerColumns = new ArrayList<>(ANSWER_COLUMNS);
        if (emit != null) {
            answerColumns.addAll(answerColumns.indexOf("error"), SETTINGS_COLUMNS);
        }
        if (objective != null) {
            answerColumns.addAll(answerColumns.indexOf("error"), OBJECTIVE_COLUMNS);
        }
        cols.removeAll(answerColumns);
        List<String> columns = new ArrayList<>(cols);
        columns.addAll(answerColumns);
        List<Map<String, Object>> outRows = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> o = new LinkedHashMap<>();
            for (String c : cols) {
                o.put(c, rows.get(i).get(c));
            }
            Recommendation r = index[i] >= 0 ? answers.get(index[i]) : null;
            o.put("strategy", r == null ? null : r.strategy().toString());
            o.put("fits", r == null ? null : r.fits());
            o.put("predicted_step_time_ms", r == null ? null : r.predictedStepTimeMs());
            o.put("predicted_peak_memory_bytes", r == null ? null : Math.round(r.predictedPeakMemoryBytes()));
            o.put("throughput_samples_per_s", r == null ? null : r.throughputSamplesPerSecond());
            o.put("tokens_per_s", r == null || Double.isNaN(r.tokensPerSecond()) ? null : r.tokensPerSecond());
            o.put("mfu", r == null ? null : r.mfu());
            o.put("hfu", r == null ? null : r.hfu());
            o.put("headroom_bytes", r == null ? null : Math.round(r.headroomBytes()));
            if (objective != null) {
                ObjectiveAnswer a = r == null ? null : planner.recommend(valid.get(index[i]), objective);
                putObjective(o, a, valid.isEmpty() || index[i] < 0 ? null : valid.get(index[i]));
            }
            if (emit != null) {
                FrameworkSettings fs = r == null ? null : FrameworkSettings.of(r, emit);
                o.put("settings", fs == null ? null : fs.text());
                o.put("settings_strategy", fs == null ? null : fs.realised().toString());
                o.put("settings_note", fs == null || fs.notes().isEmpty() ? null : fs.notesText());
            }
            o.put("error", errors.get(i));
            outRows.add(o);
        }
        WorkloadTable.write(out.toAbsolutePath().toString(), columns, outRows);
        return new Result(rows.size(), bad);
    }

    /** The objective columns of one answer; under an energy objective the answer columns become its pick's. */
    private static void putObjective(Map<String, Object> o, ObjectiveAnswer a, Workload w) {
        o.put("objective", a == null ? null : a.objective().toString());
        o.put("predicted_energy_j", a == null || Double.isNaN(a.predictedEnergyJ()) ? null : a.predictedEnergyJ());
        Prediction q = a == null ? null : a.otherPrediction();
        o.put("other_objective", q == null ? null : a.other().toString());
        o.put("other_strategy", q == null ? null : q.strategy().toString());
        o.put("other_predicted_step_time_ms", q == null ? null : q.stepTimeMs());
        o.put("other_predicted_energy_j", q == null || Double.isNaN(a.otherEnergyJ()) ? null : a.otherEnergyJ());
        if (a != null && a.objective().needsEnergy()) {
            Prediction p = a.prediction();
            Throughput t = Throughput.of(w, p.strategy(), p.stepTimeMs());
            o.put("strategy", p.strategy().toString());
            o.put("fits", p.fits());
            o.put("predicted_step_time_ms", p.stepTimeMs());
            o.put("predicted_peak_memory_bytes", Math.round(p.peakBytes()));
            o.put("throughput_samples_per_s", t.samplesPerSecond());
            o.put("tokens_per_s", Double.isNaN(t.tokensPerSecond()) ? null : t.tokensPerSecond());
            o.put("mfu", t.mfu());
            o.put("hfu", t.hfu());
            o.put("headroom_bytes", Math.round(p.headroomBytes()));
        }
    }

    private static String format(Path p) {
        WorkloadTable.Format f = WorkloadTable.Format.of(p.getFileName() == null ? "" : p.getFileName().toString());
        return f == null ? null : f.name().toLowerCase(Locale.ROOT);
    }

    private static void readJobs(Path jobs, List<Map<String, Object>> rows, List<String> errors) {
        if (format(jobs) == null) {
            throw new BadInputException("Unsupported jobs file: " + jobs + " (expected .csv, .jsonl or .parquet)");
        }
        if (!Files.isRegularFile(jobs)) {
            throw new BadInputException("No jobs file: " + jobs);
        }
        for (WorkloadTable.Row r : WorkloadTable.read(jobs.toAbsolutePath().toString())) {
            rows.add(new LinkedHashMap<>(r.values()));
            errors.add(r.error() == null ? null : "line " + r.line() + ": " + r.error());
        }
    }
}
