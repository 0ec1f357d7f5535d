package io.accessplan.collector;

import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.features.Fnv1a;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs every candidate strategy of a list of workloads on a backend and writes the dataset.
 *
 * <p>The workloads are cut into fixed chunks, one Parquet part per chunk ({@code part-00007.parquet}),
 * each committed atomically. The chunking depends only on the sweep's settings, and every row's
 * randomness only on the seed, the workload and the strategy, so a sweep killed at any moment and
 * rerun with {@code resume} recomputes exactly the chunks that were not committed: the result has
 * the rows of an uninterrupted run, none lost and none twice. A part's footer carries a
 * fingerprint of the settings; resuming a directory written by other settings is refused.
 *
 * @param workloads  what to run, in order
 * @param repeats    repeats per measurement
 * @param seed       seed of every row's randomness
 * @param chunkSize  workloads per part file
 * @param threads    worker threads (1 for a backend that is not thread-safe)
 * @param provenance footer metadata (backend, devices, preset, tool version, git commit)
 * @param budget     stop cleanly after this long (committed parts stay; resume continues), or null
 */
public record Sweep(List<Workload> workloads, int repeats, long seed, int chunkSize, int threads,
                    Map<String, String> provenance, Duration budget) {

    /** Footer key of the settings fingerprint. */
    public static final String FINGERPRINT_KEY = "accessplan.sweep_fingerprint";

    /** Validates the settings. */
    public Sweep {
        if (workloads.isEmpty()) {
            throw new IllegalArgumentException("Invalid sweep: no workloads");
        }
        if (repeats <= 0) {
            throw new IllegalArgumentException("Invalid repeats: " + repeats + " (must be > 0)");
        }
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("Invalid chunk size: " + chunkSize);
        }
        if (threads <= 0) {
            throw new IllegalArgumentException("Invalid threads: " + threads);
        }
        workloads = List.copyOf(workloads);
        provenance = Map.copyOf(provenance);
    }

    /** What a run did. */
    public record Result(int chunks, int chunksSkipped, int chunksWritten, long rows, boolean complete) {
    }

    /** Number of part files a complete run writes. */
    public int chunks() {
        return (workloads.size() + chunkSize - 1) / chunkSize;
    }

    /** Name of the part of a chunk. */
    public static String partName(int chunk) {
        return String.format("part-%05d.parquet", chunk);
    }

    /** A stable hash of everything that decides the rows. */
    public String fingerprint(String backend) {
        StringBuilder sb = new StringBuilder(backend).append('|').append(repeats).append('|').append(seed).append('|')
                .append(chunkSize).append("|partial-policies");   // the strategy space of strategies(w)
        for (Workload w : workloads) {
            sb.append('|').append(w.id());
        }
        return Fnv1a.hex64(sb.toString());   // ASCII: its UTF-8 bytes are its chars
    }

    /**
     * Runs the sweep into a dataset.
     *
     * @param resume continue a directory written by the same settings; without it the directory must
     *               not hold parts already
     */
    public Result run(Backend backend, ParquetDataset out, boolean resume, Progress progress) {
        String fp = fingerprint(backend.name());
        List<String> existing = out.exists() ? out.parts() : List.of();
        if (!existing.isEmpty() && !resume) {
            throw new IllegalArgumentException("Output exists: " + out.uri()
                    + " (use --resume to continue it, or choose a new --out)");
        }
        for (String part : existing) {
            String other = out.footer(part).get(FINGERPRINT_KEY);
            if (!fp.equals(other)) {
                throw new IllegalArgumentException("Cannot resume " + out.uri() + ": " + part
                        + " was written by a sweep with other settings (fingerprint " + other + ", expected " + fp + ")");
            }
        }
        if (resume && out.exists()) {
            out.cleanDeadTemporaries();   // what a killed run left half-written; a live writer's file stays
        }
        Set<String> done = Set.copyOf(existing);
        int n = chunks();
        List<Integer> todo = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            if (!done.contains(partName(c))) {
                todo.add(c);
            }
        }
        long skippedWorkloads = (long) (n - todo.size()) * chunkSize;
        progress.start(workloads.size(), Math.min(skippedWorkloads, workloads.size()));
        Instant deadline = budget == null ? null : Instant.now().plus(budget);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sweep-worker");
            t.setDaemon(true);
            return t;
        });
        long rows = 0;
        int written = 0;
        boolean complete = true;
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int c : todo) {
                futures.add(pool.submit(() -> {
                    if (deadline != null && Instant.now().isAfter(deadline)) {
                        return -1L;
                    }
                    return runChunk(c, backend, out, fp, progress);
                }));
            }
            for (Future<Long> f : futures) {
                long r = f.get();
                if (r < 0) {
                    complete = false;
                } else {
                    rows += r;
                    written++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            progress.finish();
        }
        return new Result(n, n - todo.size(), written, rows, complete);
    }

    /**
     * Measures every candidate strategy of a workload, in canonical order, handing each row on as
     * soon as it is measured; returns how many.
     */
    public static int measureWorkload(Backend backend, Workload w, int repeats, long seed, Consumer<DatasetRow> out) {
        List<Strategy> candidates = strategies(w);
        for (Strategy s : candidates) {
            Measurement m = backend.measure(Planner.schedule(w, s), repeats, seed);
            out.accept(new DatasetRow(w, s, m, Instant.now()));
        }
        return candidates.size();
    }

    /**
     * The strategies a sweep measures for a workload: every candidate, then, for each candidate
     * whose policy can apply to some layers ({@code full}, {@code selective}, {@code offload}) and
     * whose {@code keep} counterpart (same micro-batches and optimizer placement) does not fit by the
     * exact plan, the policy on each quarter of the layers and on the smallest count that fits
     * ({@link Planner#smallestFittingLayers}): the points a user would try, and the one the
     * predictor must find, so that the model learns the curve between them. Where keep fits, a
     * partial policy only adds work to a strategy that already fits, and is not measured.
     */
    public static List<Strategy> strategies(Workload w) {
        List<Strategy> candidates = Strategy.candidates(w);
        List<Strategy> out = new ArrayList<>(candidates);
        Map<Strategy, Boolean> keepFits = new java.util.HashMap<>();
        for (Strategy s : candidates) {
            if (!s.policy().partial()) {
                continue;
            }
            Strategy keep = new Strategy(io.accessplan.features.ActivationPolicy.KEEP, s.microBatches(),
                    s.optimizerOffload());
            if (keepFits.computeIfAbsent(keep, k -> Planner.plan(w, k).fits())) {
                continue;
            }
            for (int n : Strategy.sampledLayerCounts(w.model().layers(), Planner.smallestFittingLayers(w, s))) {
                out.add(s.withPolicyLayers(n));
            }
        }
        return out;
    }

    private long runChunk(int c, Backend backend, ParquetDataset out, String fp, Progress progress) {
        int from = c * chunkSize;
        int to = Math.min(workloads.size(), from + chunkSize);
        Map<String, String> footer = new LinkedHashMap<>(provenance);
        footer.put(FINGERPRINT_KEY, fp);
        footer.put("accessplan.chunk", c + "/" + chunks());
        footer.put("accessplan.seed", Long.toString(seed));
        footer.put("accessplan.repeats", Integer.toString(repeats));
        footer.put("accessplan.backend", backend.name());
        footer.putAll(backend.provenance());
        long rows = 0;
        try (ParquetDataset.PartWriter part = out.newPart(partName(c), footer)) {
            for (int i = from; i < to; i++) {
                rows += measureWorkload(backend, workloads.get(i), repeats, seed, part::write);
                progress.step();
            }
            part.commit();
        }
        return rows;
    }
}
