package io.accessplan.benchmarks;

import io.accessplan.features.Workload;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Recommendation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Checks that one planner shared by many threads answers exactly as one thread does, at a scale
 * a unit test cannot afford on two cores: by default 16 threads x 1,000,000 lookups each (about
 * 16 million lookups; the predictor's {@code ConcurrencyTest} does 1,000,000 in all). Each thread
 * walks the same 2,000 varied workloads ({@link PredictorBenchmark#workloads}, seed 3) from its own
 * offset and compares every answer with the single-threaded one ({@link Recommendation#equals}:
 * strategy, every figure, every alternative and why it lost). The batch call is compared too.
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests && java -cp
 * benchmarks/target/benchmarks.jar io.accessplan.benchmarks.LookupConsistency [THREADS
 * [LOOKUPS_PER_THREAD]]}. Prints one line; exits 0 when every answer agrees, 1 when one does not,
 * 2 on a bad argument.
 */
public final class LookupConsistency {
    private LookupConsistency() {
    }

    /** Runs the check; arguments: threads (16), lookups per thread (1,000,000). */
    public static void main(String[] args) throws Exception {
        int threads;
        long perThread;
        try {
            threads = args.length > 0 ? positive(args[0], "threads") : 16;
            perThread = args.length > 1 ? positive(args[1], "lookups per thread") : 1_000_000;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(threads, perThread) == 0 ? 0 : 1);
    }

    private static int positive(String s, String what) {
        try {
            int v = Integer.parseInt(s.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Invalid number of " + what + ": " + s + " (expected a positive integer)");
    }

    /** The count of answers that differ from the single-threaded ones (batch call included); prints a summary. */
    static long run(int threads, long perThread) throws Exception {
        AccessPlanner planner = AccessPlanner.bundled();
        List<Workload> ws = PredictorBenchmark.workloads(2000, 3);
        List<Recommendation> reference = new ArrayList<>(ws.size());
        for (Workload w : ws) {
            reference.add(planner.recommend(w));
        }
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long mismatches = 0;
        long done = 0;
        try {
            List<Future<long[]>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final long offset = t * 7919L;
                fs.add(pool.submit(() -> {
                    long bad = 0;
                    long n = 0;
                    for (long i = 0; i < perThread; i++) {
                        int j = (int) ((offset + i * 31) % ws.size());
                        if (!planner.recommend(ws.get(j)).equals(reference.get(j))) {
                            bad++;
                        }
                        n++;
                    }
                    return new long[]{bad, n};
                }));
            }
            for (Future<long[]> f : fs) {
                long[] r = f.get();
                mismatches += r[0];
                done += r[1];
            }
        } finally {
            pool.shutdownNow();
        }
        boolean batchSame = reference.equals(planner.recommendAll(ws));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d threads x %d lookups = %d lookups over %d workloads in %.1f s: %d differ from the "
                        + "single-threaded answers; batch call %s%n", threads, perThread, done, ws.size(), seconds,
                mismatches, batchSame ? "agrees" : "DIFFERS");
        return mismatches + (batchSame ? 0 : 1) + (done == (long) threads * perThread ? 0 : 1);
    }
}
