package io.accessplan.predictor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch call's spreading over the cores ({@link AccessPlanner#eachOnAllCores}): the answers
 * are the sequential map's, in order, whichever thread computed each; more than one thread
 * computes them where there is more than one core; a failure is thrown to the caller as it was
 * thrown.
 */
class EachOnAllCoresTest {

    /** Work of uneven length, as lookups are: a value only the element determines. */
    private static long work(int x) {
        long h = x;
        for (int i = 0; i < 200 + (x % 7) * 300; i++) {
            h = h * 6364136223846793005L + 1442695040888963407L;
        }
        return h;
    }

    @Test
    void theAnswersAreTheSequentialMapsInOrder() {
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            in.add(i);
        }
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Function<Integer, Long> f = x -> {
            threads.add(Thread.currentThread().getName());
            return work(x);
        };
        List<Long> got = AccessPlanner.eachOnAllCores(in, f);
        assertEquals(in.size(), got.size());
        for (int i = 0; i < in.size(); i++) {
            assertEquals(work(i), got.get(i), "element " + i);
        }
        if (Runtime.getRuntime().availableProcessors() > 1) {
            assertTrue(threads.size() > 1, "computed by " + threads);
        }
        assertEquals(List.of(), AccessPlanner.eachOnAllCores(List.<Integer>of(), f));
    }

    @Test
    void aFailureIsThrownToTheCallerAsThrown() {
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            in.add(i);
        }
        IllegalArgumentException bad = new IllegalArgumentException("Invalid element: 4321");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessPlanner.eachOnAllCores(in, x -> {
                    if (x == 4321) {
                        throw bad;
                    }
                    return work(x);
                }));
        assertSame(bad, e);
    }
}
