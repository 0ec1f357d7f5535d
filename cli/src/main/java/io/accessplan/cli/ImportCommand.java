package io.accessplan.cli;

import io.accessplan.collector.RowLog;
import io.accessplan.collector.Sweep;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.features.Strategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code accessplan import}: turns row logs (written by {@code RowLogSweep} on a GPU machine that
 * carries no Hadoop) into a dataset. Only whole workloads are imported (every candidate strategy
 * measured), so a sweep cut short by its budget or a kill leaves no half workload in the dataset;
 * a workload already imported from an earlier log is not imported twice. Each log becomes its own
 * parts, whose footers keep that log's provenance (card, driver, settings). Every log is read and
 * checked before anything is written.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Imports row logs (JSON lines from a sweep on a machine without Hadoop) into a dataset.")
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--rows", required = true, split = ",", description = "row log files (comma separated)")
    List<Path> rows;

    @Option(names = "--out", required = true, description = "dataset directory or Hadoop URI (must not exist)")
    String out;

    @Option(names = "--chunk-size", defaultValue = "16", description = "workloads per part file (default ${DEFAULT-VALUE})")
    int chunkSize;

    @Override
    public Integer call() {
        if (chunkSize <= 0) {
            throw new BadInputException("Invalid chunk size: " + chunkSize + " (must be > 0)");
        }
        OutputPaths.check("--out", out, OutputPaths.Kind.DIRECTORY, rows.stream().map(Path::toString).toList());
        List<RowLog.Contents> logs = new ArrayList<>();
        for (Path p : rows) {
            try {
                logs.add(RowLog.read(p));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(Main.firstLine(e.getMessage()));
            }
        }
        ParquetDataset dataset = DataLocation.open(out);
        if (dataset.exists() && !dataset.parts().isEmpty()) {
            throw new BadInputException("Output exists: " + out + " (choose a new --out)");
        }
        Set<String> imported = new HashSet<>();
        int part = 0;
        long rowCount = 0;
        int partial = 0;
        int duplicate = 0;
        int torn = 0;
        for (int i = 0; i < logs.size(); i++) {
            RowLog.Contents log = logs.get(i);
            torn += log.tornLines();
            List<List<DatasetRow>> whole = new ArrayList<>();
            for (List<DatasetRow> w : byWorkload(log.rows()).values()) {
                String id = w.get(0).workload().id();
                if (!complete(w)) {
                    partial++;
                } else if (!imported.add(id)) {
                    duplicate++;
                } else {
                    whole.add(w);
                }
            }
            Map<String, String> footer = DataLocation.provenance("rowlog:" + rows.get(i).getFileName());
            footer.putAll(log.provenance());
            footer.put("accessplan.imported_from", rows.get(i).getFileName().toString());
            for (int from = 0; from < whole.size(); from += chunkSize) {
                try (ParquetDataset.PartWriter w = dataset.newPart(Sweep.partName(part++), footer)) {
                    for (List<DatasetRow> workload : whole.subList(from, Math.min(whole.size(), from + chunkSize))) {
                        for (DatasetRow r : workload) {
                            w.write(r);
                            rowCount++;
                        }
                    }
                    w.commit();
                }
            }
        }
        System.out.printf(Locale.ROOT, "imported %d workloads, %d rows from %d logs to %s (%d partial workloads left out,"
                + " %d already imported, %d torn lines)%n", imported.size(), rowCount, logs.size(), out, partial,
                duplicate, torn);
        return 0;
    }

    private static Map<String, List<DatasetRow>> byWorkload(List<DatasetRow> rows) {
        Map<String, List<DatasetRow>> out = new LinkedHashMap<>();
        for (DatasetRow r : rows) {
            out.computeIfAbsent(r.workload().id(), k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    /**
     * Whether every strategy a sweep measures of the workload was measured (once): those of
     * {@code Sweep.strategies}, partial policies included, or the candidates alone (a log written
     * before partial policies).
     */
    static boolean complete(List<DatasetRow> rows) {
        io.accessplan.features.Workload w = rows.get(0).workload();
        Set<Strategy> have = new HashSet<>();
        for (DatasetRow r : rows) {
            have.add(r.strategy());
        }
        for (List<Strategy> want : List.of(io.accessplan.collector.Sweep.strategies(w), Strategy.candidates(w))) {
            if (have.equals(new HashSet<>(want)) && rows.size() == want.size()) {
                return true;
            }
        }
        return false;
    }
}
