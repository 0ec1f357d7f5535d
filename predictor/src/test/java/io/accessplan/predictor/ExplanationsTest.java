package io.accessplan.predictor;

import io.accessplan.features.Workload;
import io.accessplan.model.Choice;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every field of a recommendation (the alternatives in their order, their why-strings and
 * throughput figures, the summary) equals what the plain construction gives: each alternative's
 * {@link Realisation} and {@link Throughput#of(Workload, io.accessplan.features.Strategy, double)},
 * the rates and the summary through {@link String#format}, the alternatives sorted by a
 * {@link Comparator}; the served one builds names once, formats without String.format and shares
 * the workload's throughput terms. Over random workloads of every family and device, at two tie
 * tolerances.
 */
class ExplanationsTest {

    @Test
    void aRecommendationEqualsThePlainConstructionFieldByField() {
        AccessPlanner planner = AccessPlanner.bundled();
        int alternatives = 0;
        for (AccessPlanner p : List.of(planner, planner.withTieTolerance(0))) {
            for (Workload w : Workloads.random(300, 77)) {
                StrategyModel.Scored scored = p.model().score(w);
                Recommendation want = plain(w, p.searchLayers(w, scored), p.tieTolerance());
                Recommendation got = p.recommend(w);
                assertEquals(want.summary(), got.summary(), w.canonical());
                assertEquals(want.alternatives(), got.alternatives(), w.canonical());
                assertEquals(want, got, w.canonical());
                alternatives += got.alternatives().size();
            }
        }
        assertTrue(alternatives > 5000, "compared " + alternatives + " alternatives");
    }

    /** The recommendation built the plain way, from the same predictions. */
    private static Recommendation plain(Workload w, List<Prediction> ps, double tolerance) {
        int n = ps.size();
        Choice.Decision d = Choice.decide(ps, tolerance);
        Prediction chosen = ps.get(d.chosen());
        boolean fits = d.fits();
        List<Alternative> alts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Prediction p = ps.get(i);
            if (p != chosen) {
                Prediction less = d.lessWork()[i] >= 0 ? ps.get(d.lessWork()[i]) : null;
                String why = fits && p.fits() && less != null
                        ? "does more work than " + less.strategy() + ", which fits (same micro-batches,"
                        + " less recomputation or copying)"
                        : whyLost(p, chosen, fits);
                alts.add(new Alternative(p.strategy(), p.stepTimeMs(), p.peakBytes(), p.fits(), why,
                        Throughput.of(w, p.strategy(), p.stepTimeMs())));
            }
        }
        alts.sort(Comparator.comparing(Alternative::fits).reversed()
                .thenComparingDouble(Alternative::predictedStepTimeMs));
        Throughput speed = Throughput.of(w, chosen.strategy(), chosen.stepTimeMs());
        double gib = 1024.0 * 1024 * 1024;
        String rates = readable(speed.samplesPerSecond()) + " samples/s, "
                + (Double.isNaN(speed.tokensPerSecond()) ? "" : readable(speed.tokensPerSecond()) + " tokens/s, ")
                + "MFU " + String.format(Locale.ROOT, "%.1f%%", 100 * speed.mfu());
        String summary = fits
                ? String.format(Locale.ROOT, "%s: %.1f ms a step (%s), peak %.2f GiB of %.0f GiB",
                chosen.strategy(), chosen.stepTimeMs(), rates, chosen.peakBytes() / gib, chosen.capacityBytes() / gib)
                : String.format(Locale.ROOT, "does not fit on this device: the leanest strategy %s needs %.2f GiB"
                + " with the safety margin, %.2f GiB over the device's %.0f GiB", chosen.strategy(),
                chosen.requiredBytes() / gib, -chosen.headroomBytes() / gib, chosen.capacityBytes() / gib);
        return new Recommendation(w, chosen.strategy(), fits, chosen.stepTimeMs(), chosen.stepTimeLowMs(),
                chosen.stepTimeHighMs(), chosen.throughput(w.training().batch()), chosen.peakBytes(),
                chosen.peakLowBytes(), chosen.peakHighBytes(), chosen.headroomBytes(), List.copyOf(alts), summary,
                speed);
    }

    private static String readable(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return v == 0 ? "0" : new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static String whyLost(Prediction p, Prediction chosen, boolean anyFits) {
        double gib = 1024.0 * 1024 * 1024;
        if (!p.fits()) {
            return "predicted not to fit: needs " + AccessPlanner.fixed(p.requiredBytes() / gib, 2)
                    + " GiB with the safety margin, device has " + AccessPlanner.fixed(p.capacityBytes() / gib, 0)
                    + " GiB";
        }
        if (!anyFits) {
            return "more memory than " + chosen.strategy();
        }
        double slower = p.stepTimeMs() / chosen.stepTimeMs() - 1;
        if (slower <= 0) {
            return "within the tie tolerance (" + AccessPlanner.fixed(-100 * slower, 1) + "% faster predicted); "
                    + chosen.strategy() + " is plainer";
        }
        return "slower by " + AccessPlanner.fixed(100 * slower, 1) + "% (" + AccessPlanner.fixed(p.stepTimeMs(), 1)
                + " ms vs " + AccessPlanner.fixed(chosen.stepTimeMs(), 1) + " ms)";
    }
}
