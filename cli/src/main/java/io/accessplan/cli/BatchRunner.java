package io.accessplan.cli;

import io.accessplan.datasets.WorkloadTable;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;
import io.accessplan.predictor.AccessPlanner;
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
