package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A served alternative, whose why-lost line and throughput are computed when first asked for, is
 * the value the record it replaced was: its text is that record's (a record of the same name and
 * components declared here), and it equals, and hashes as, an alternative given every component.
 */
class AlternativeValueTest {

    /** The record {@link io.accessplan.predictor.Alternative} was, for its text. */
    private record Alternative(Strategy strategy, double predictedStepTimeMs, double predictedPeakMemoryBytes,
                               boolean fits, String whyLost, Throughput throughput) {
    }

    @Test
    void aDeferredAlternativeIsTheRecordsValue() {
        AccessPlanner planner = AccessPlanner.bundled();
        int seen = 0;
        for (Workload w : Workloads.random(60, 5)) {
            for (io.accessplan.predictor.Alternative a : planner.recommend(w).alternatives()) {
                // asked for its text first: the line and throughput are computed by toString
                String text = a.toString();
                io.accessplan.predictor.Alternative given = new io.accessplan.predictor.Alternative(a.strategy(),
                        a.predictedStepTimeMs(), a.predictedPeakMemoryBytes(), a.fits(), a.whyLost(),
                        Throughput.of(w, a.strategy(), a.predictedStepTimeMs()));
                assertEquals(new Alternative(a.strategy(), a.predictedStepTimeMs(), a.predictedPeakMemoryBytes(),
                        a.fits(), a.whyLost(), a.throughput()).toString(), text);
                assertEquals(given, a);
                assertEquals(a, given);
                assertEquals(given.hashCode(), a.hashCode());
                assertEquals(given.toString(), text);
                seen++;
            }
        }
        assertTrue(seen > 1000, "compared " + seen + " alternatives");
    }

    @Test
    void aDeferredAlternativeAskedForItsHashFirstEqualsOneAskedForItsLine() {
        Workload w = Workloads.random(1, 9).get(0);
        AccessPlanner planner = AccessPlanner.bundled();
        io.accessplan.predictor.Alternative first = planner.recommend(w).alternatives().get(0);
        io.accessplan.predictor.Alternative second = planner.recommend(w).alternatives().get(0);
        int hash = first.hashCode();
        String line = second.whyLost();
        assertEquals(line, first.whyLost());
        assertEquals(hash, second.hashCode());
        assertEquals(first, second);
        io.accessplan.predictor.Alternative other = new io.accessplan.predictor.Alternative(first.strategy(),
                first.predictedStepTimeMs(), first.predictedPeakMemoryBytes(), first.fits(), line + ".",
                first.throughput());
        assertNotEquals(first, other);
    }
}
