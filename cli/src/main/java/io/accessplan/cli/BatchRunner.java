package io.accessplan.cli;

import io.accessplan.collector.JobTable;
import io.accessplan.datasets.GenericTable;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.emit.Framework;
import io.accessplan.predictor.emit.FrameworkSettings;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A batch of jobs in (CSV, JSONL or Parquet), one answer row per job out (same formats, chosen by
 * extension). Each job's own columns are carried through; a bad job gets an error row naming the
 * field and value while the others are answered. The output is written beside its target and
 * renamed into place, so a killed run never leaves a half-written answer file.
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

    /** JSON Lines: one object a line, whatever the shared mapper's indentation. */
    private static final com.fasterxml.jackson.databind.ObjectWriter ONE_LINE = Json.mapper().writer()
            .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

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
        write(out, outFormat, columns, outRows);
        return new Result(rows.size(), bad);
    }

    private static String format(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) {
            return "csv";
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            return "jsonl";
        }
        return n.endsWith(".parquet") ? "parquet" : null;
    }

    private static void readJobs(Path jobs, List<Map<String, Object>> rows, List<String> errors) {
        String f = format(jobs);
        if (f == null) {
            throw new BadInputException("Unsupported jobs file: " + jobs + " (expected .csv, .jsonl or .parquet)");
        }
        if (!Files.isRegularFile(jobs)) {
            throw new BadInputException("No jobs file: " + jobs);
        }
        if (f.equals("parquet")) {
            for (Map<String, Object> r : GenericTable.read(jobs.toAbsolutePath().toString())) {
                rows.add(new LinkedHashMap<>(r));
                errors.add(null);
            }
            return;
        }
        for (JobTable.Row r : JobTable.read(jobs)) {
            String err = JobTable.error(r);
            Map<String, Object> m = new LinkedHashMap<>(r.values());
            m.remove("__error__");
            rows.add(m);
            errors.add(err == null ? null : "line " + r.line() + ": " + err);
        }
    }

    private static void write(Path out, String format, List<String> columns, List<Map<String, Object>> rows) {
        if (format.equals("parquet")) {
            GenericTable.write(out.toAbsolutePath().toString(), columns, rows);
            return;
        }
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + out.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.createDirectories(dir);
            removeStaleTemporaries(dir, out.getFileName().toString());
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                if (format.equals("csv")) {
                    w.write(String.join(",", columns.stream().map(BatchRunner::csv).toList()));
                    w.newLine();
                    for (Map<String, Object> r : rows) {
                        w.write(String.join(",", columns.stream().map(c -> csv(r.get(c))).toList()));
                        w.newLine();
                    }
                } else {
                    for (Map<String, Object> r : rows) {
                        Map<String, Object> typed = new LinkedHashMap<>();
                        for (String c : columns) {
                            typed.put(c, typed(r.get(c)));
                        }
                        w.write(ONE_LINE.writeValueAsString(typed));
                        w.newLine();
                    }
                }
            }
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw new UncheckedIOException("cannot write " + out, e);
        }
    }

    /**
     * Deletes the hidden temporary answer files of earlier runs for the same answer file whose
     * process is gone (a batch killed while writing); those of a live process are left alone.
     */
    static int removeStaleTemporaries(Path dir, String answerFile) throws IOException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote("." + answerFile + ".") + "(\\d+)\\.tmp");
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                java.util.regex.Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(h -> !h.isAlive()).orElse(true)) {
                    removed += Files.deleteIfExists(f) ? 1 : 0;
                }
            }
        }
        return removed;
    }

    /** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
    private static String csv(Object v) {
        if (v == null) {
            return "";
        }
        String s = v.toString();
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    /** Numbers read from text go back out as JSON numbers. */
    private static Object typed(Object v) {
        if (v instanceof String s && !s.isEmpty()) {
            if (s.matches("-?[0-9]{1,18}")) {
                return Long.parseLong(s);
            }
            if (s.matches("-?[0-9]*\\.[0-9]+([eE][-+]?[0-9]+)?")) {
                return Double.parseDouble(s);
            }
        }
        return v;
    }
}
