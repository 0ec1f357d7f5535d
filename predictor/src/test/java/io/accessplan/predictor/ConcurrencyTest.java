package io.accessplan.predictor;

import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One planner shared by 16 threads answers exactly as one thread does. */
class ConcurrencyTest {

    @Test
    void sixteenThreadsDoingAMillionLookupsGetTheSingleThreadedAnswers() throws Exception {
        AccessPlanner planner = AccessPlanner.bundled();
        List<Workload> ws = Workloads.random(2000, 3);
        List<Recommendation> reference = new ArrayList<>();
        for (Workload w : ws) {
            reference.add(planner.recommend(w));
        }
        int threads = 16;
        int lookups = 1_000_000;
        AtomicInteger mismatches = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int offset = t * 7919;
                fs.add(pool.submit(() -> {
                    int done = 0;
                    for (int i = 0; i < lookups / threads; i++) {
                        int j = (offset + i * 31) % ws.size();
                        if (!planner.recommend(ws.get(j)).equals(reference.get(j))) {
                            mismatches.incrementAndGet();
                        }
                        done++;
                    }
                    return done;
                }));
            }
            int total = 0;
            for (Future<Integer> f : fs) {
                total += f.get();
            }
            assertEquals(lookups, total);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, mismatches.get());
        assertEquals(reference, planner.recommendAll(ws), "the batch call answers as single lookups do");
    }
}
