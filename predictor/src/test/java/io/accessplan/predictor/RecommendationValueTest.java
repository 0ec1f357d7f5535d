package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A served recommendation, whose summary line is built when first asked for, is the value the
 * record it replaced was: its text is that record's (a record of the same name and components
 * declared here), and it equals, and hashes as, a recommendation given every component; asked for
 * its hash or its equality first, it builds the same line as asked for the line first.
 */
class RecommendationValueTest {

    /** The record {@link io.accessplan.predictor.Recommendation} was, for its text. */
    private record Recommendation(Workload workload, Strategy strategy, boolean fits, double predictedStepTimeMs,
                                  double stepTimeLowMs, double stepTimeHighMs, double throughputSamplesPerSecond,
                                  double predictedPeakMemoryBytes, double peakLowBytes, double peakHighBytes,
                                  double headroomBytes, List<Alternative> alternatives, String summary,
                                  Throughput throughput) {
    }

    private static io.accessplan.predictor.Recommendation given(io.accessplan.predictor.Recommendation r, String summary) {
        return new io.accessplan.predictor.Recommendation(r.workload(), r.strategy(), r.fits(), r.predictedStepTimeMs(),
                r.stepTimeLowMs(), r.stepTimeHighMs(), r.throughputSamplesPerSecond(), r.predictedPeakMemoryBytes(),
                r.peakLowBytes(), r.peakHighBytes(), r.headroomBytes(), r.alternatives(), summary, r.throughput());
    }

    @Test
    void aDeferredRecommendationIsTheRecordsValue() {
        AccessPlanner planner = AccessPlanner.bundled();
        int fits = 0;
        int over = 0;
        for (Workload w : Workloads.random(120, 11)) {
            io.accessplan.predictor.Recommendation r = planner.recommend(w);
            // asked for its text first: the summary is built by toString
            String text = r.toString();
            String line = r.summary();
            assertTrue(line.startsWith(r.fits() ? r.strategy() + ": " : "does not fit on this device: the leanest strategy "
                    + r.strategy() + " needs "), line);
            assertEquals(new Recommendation(r.workload(), r.strategy(), r.fits(), r.predictedStepTimeMs(),
                    r.stepTimeLowMs(), r.stepTimeHighMs(), r.throughputSamplesPerSecond(), r.predictedPeakMemoryBytes(),
                    r.peakLowBytes(), r.peakHighBytes(), r.headroomBytes(), r.alternatives(), line,
                    r.throughput()).toString(), text);
            io.accessplan.predictor.Recommendation given = given(r, line);
            assertEquals(given, r);
            assertEquals(r, given);
            assertEquals(given.hashCode(), r.hashCode());
            assertEquals(given.toString(), text);
            assertNotEquals(given(r, line + "."), r);
            if (r.fits()) {
                fits++;
            } else {
                over++;
            }
        }
        assertTrue(fits > 50 && over > 0, "compared " + fits + " fitting and " + over + " over-capacity answers");
    }

    @Test
    void aDeferredRecommendationAskedForItsHashFirstEqualsOneAskedForItsLine() {
        Workload w = Workloads.random(1, 13).get(0);
        AccessPlanner planner = AccessPlanner.bundled();
        io.accessplan.predictor.Recommendation first = planner.recommend(w);
        io.accessplan.predictor.Recommendation second = planner.recommend(w);
        int hash = first.hashCode();
        String line = second.summary();
        assertEquals(line, first.summary());
        assertEquals(hash, second.hashCode());
        assertEquals(first, second);
        assertEquals(first, planner.recommendAll(List.of(w)).get(0));
    }
}
