package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The recommendation's own sort of its alternatives (fitting first, then by predicted step time)
 * gives exactly the order of the library's stable sort with the same comparator, element by element,
 * on arrays full of ties (equal times, equal fits, -0.0 and 0.0) of every length a lookup has.
 */
class AlternativeOrderTest {

    @Test
    void theInsertionSortOrdersAsTheLibrarysStableSort() {
        SplittableRandom r = new SplittableRandom(17);
        List<Strategy> strategies = List.of(Strategy.parse("keep"), Strategy.parse("full+mb2"),
                Strategy.parse("offload+opt_offload"));
        double[] times = {-0.0, 0.0, 1.5, 2.0, 2.0, 7.25, 100.0};
        for (int trial = 0; trial < 2000; trial++) {
            int n = r.nextInt(60);
            Alternative[] alts = new Alternative[n];
            for (int i = 0; i < n; i++) {
                alts[i] = new Alternative(strategies.get(r.nextInt(strategies.size())), times[r.nextInt(times.length)],
                        r.nextInt(1000), r.nextBoolean(), "alternative " + i, null);
            }
            Alternative[] want = alts.clone();
            Arrays.sort(want, AccessPlanner::byFitThenTime);
            Alternative[] got = alts.clone();
            AccessPlanner.sortByFitThenTime(got, n);
            for (int i = 0; i < n; i++) {
                assertSame(want[i], got[i], "trial " + trial + ", position " + i);
            }
        }
    }
}
