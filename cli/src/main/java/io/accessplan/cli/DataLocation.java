package io.accessplan.cli;

import io.accessplan.datasets.ParquetDataset;
import org.apache.hadoop.conf.Configuration;

import java.util.concurrent.TimeUnit;

/** Opens datasets for the commands, failing fast on an unreachable Hadoop file system. */
final class DataLocation {
    private DataLocation() {
    }

    /** The Hadoop configuration of the commands: no long connection retries. */
    static Configuration conf() {
        Configuration conf = new Configuration();
        // Hadoop's IPC client retries a refused connection 10 times a second apart by default
        // (core-default.xml: ipc.client.connect.max.retries); a command should say at once.
        conf.setInt("ipc.client.connect.max.retries", 0);
        conf.setInt("ipc.client.connect.max.retries.on.timeouts", 0);
        conf.setInt("ipc.client.connect.timeout", 5000);
        conf.setInt("dfs.client.retry.max.attempts", 1);
        return conf;
    }

    /** Opens a dataset at a path or URI, checking that its file system answers. */
    static ParquetDataset open(String uri) {
        try {
            ParquetDataset d = ParquetDataset.open(uri, conf());
            d.exists();   // reaches the file system now, so an unreachable one is bad input, said once
            return d;
        } catch (java.io.UncheckedIOException e) {
            throw new BadInputException(Main.firstLine(e.getMessage()));
        }
    }

    /** Opens a dataset that must exist and hold parts. */
    static ParquetDataset openExisting(String uri) {
        ParquetDataset d = open(uri);
        if (!d.exists() || d.parts().isEmpty()) {
            throw new BadInputException("No dataset at " + uri + " (no part files)");
        }
        return d;
    }

    /**
     * Every row of a dataset that must exist. A damaged part (see {@link ParquetDataset#readPart}) is refused,
     * naming it, unless {@code skipDamaged}: then its rows are left out whole and each skipped part is said on
     * standard error, with the count, before the command goes on.
     */
    static java.util.List<io.accessplan.datasets.DatasetRow> read(String uri, boolean skipDamaged) {
        ParquetDataset d = openExisting(uri);
        if (!skipDamaged) {
            return d.readAll();
        }
        ParquetDataset.Read r = d.readAllSkippingDamaged();
        for (io.accessplan.datasets.DamagedPartException e : r.skipped()) {
            System.err.println("accessplan: skipped " + Main.firstLine(e.getMessage()));
        }
        if (!r.skipped().isEmpty()) {
            System.err.printf(java.util.Locale.ROOT, "accessplan: skipped %d damaged of %d parts in %s; %d rows read%n",
                    r.skipped().size(), d.parts().size(), uri, r.rows().size());
        }
        if (r.rows().isEmpty()) {
            throw new BadInputException("No readable rows in " + uri + " (every part is damaged)");
        }
        return r.rows();
    }

    /** Footer provenance of a sweep run from the command line: tool version, git commit, preset. */
    static java.util.Map<String, String> provenance(String preset) {
        java.util.Map<String, String> prov = new java.util.LinkedHashMap<>();
        prov.put("accessplan.tool_version", Main.VERSION);
        prov.put("accessplan.git_commit", gitCommit());
        prov.put("accessplan.preset", preset);
        return prov;
    }

    /** The git commit of the working tree the tool runs from, or "unknown". */
    static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String s = new String(p.getInputStream().readAllBytes()).trim();
            return p.exitValue() == 0 && s.matches("[0-9a-f]{40}") ? s : "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }
}
