package io.accessplan.predictor;

import io.accessplan.model.Prediction;

import java.util.List;

/**
 * What one lookup's answer computes only when asked ({@link Alternative#whyLost},
 * {@link Alternative#throughput}, {@link Recommendation#summary}): each why-lost line and each
 * throughput, and the summary line, from the lookup's
 * predictions and decision, which it keeps. Thread-safe: it reads only what it was given, and the
 * names it remembers are the same strings whichever thread writes them.
 */
final class Deferred {
    private static final double GIB = 1024.0 * 1024 * 1024;

    private final List<Prediction> ps;
    private final Prediction chosen;
    private final String chosenName;
    /** Whether the chosen strategy fits (some strategy does). */
    private final boolean anyFits;
    /** Per prediction, a fitting one doing strictly less work, or -1 ({@code Choice.Decision#lessWork}). */
    private final int[] lessWork;
    private final int chosenIndex;
    /** Strategy names, each built once: the chosen one's appears in most lines. */
    private final String[] names;

    private final Throughput.OfWorkload rates;

    Deferred(List<Prediction> ps, int chosenIndex, String chosenName, boolean anyFits, int[] lessWork,
             Throughput.OfWorkload rates) {
        this.ps = ps;
        this.rates = rates;
        this.chosenIndex = chosenIndex;
        this.chosen = ps.get(chosenIndex);
        this.chosenName = chosenName;
        this.anyFits = anyFits;
        this.lessWork = lessWork;
        this.names = new String[ps.size()];
    }

    /**
     * The recommendation's summary line: the chosen strategy's step time, rates and peak, or, where
     * nothing fits, how far the leanest strategy is over the device; {@code speed} is the chosen
     * strategy's throughput.
     */
    String summary(Throughput speed) {
        return anyFits
                ? chosenName + ": " + AccessPlanner.fixedExact(chosen.stepTimeMs(), 1) + " ms a step ("
                + AccessPlanner.rates(speed) + "), peak " + AccessPlanner.fixedExact(chosen.peakBytes() / GIB, 2)
                + " GiB of " + AccessPlanner.fixedExact(chosen.capacityBytes() / GIB, 0) + " GiB"
                : "does not fit on this device: the leanest strategy " + chosenName + " needs "
                + AccessPlanner.fixedExact(chosen.requiredBytes() / GIB, 2) + " GiB with the safety margin, "
                + AccessPlanner.fixedExact(-chosen.headroomBytes() / GIB, 2) + " GiB over the device's "
                + AccessPlanner.fixedExact(chosen.capacityBytes() / GIB, 0) + " GiB";
    }

    /** The throughput of prediction {@code i} at its predicted step time. */
    Throughput throughput(int i) {
        Prediction p = ps.get(i);
        return rates.of(p.strategy(), p.stepTimeMs());
    }

    /** The why-lost line of prediction {@code i} (not the chosen one). */
    String whyLost(int i) {
        Prediction p = ps.get(i);
        int less = lessWork[i];
        if (anyFits && p.fits() && less >= 0) {
            return "does more work than " + name(less) + ", which fits (same micro-batches,"
                    + " less recomputation or copying)";
        }
        // plain concatenation: String.format costs more than the model here, ~40 times a lookup
        if (!p.fits()) {
            return "predicted not to fit: needs " + AccessPlanner.fixed(p.requiredBytes() / GIB, 2)
                    + " GiB with the safety margin, device has " + AccessPlanner.fixed(p.capacityBytes() / GIB, 0)
                    + " GiB";
        }
        if (!anyFits) {
            return "more memory than " + chosenName;
        }
        double slower = p.stepTimeMs() / chosen.stepTimeMs() - 1;
        if (slower <= 0) {
            return "within the tie tolerance (" + AccessPlanner.fixed(-100 * slower, 1) + "% faster predicted); "
                    + chosenName + " is plainer";
        }
        return "slower by " + AccessPlanner.fixed(100 * slower, 1) + "% (" + AccessPlanner.fixed(p.stepTimeMs(), 1)
                + " ms vs " + AccessPlanner.fixed(chosen.stepTimeMs(), 1) + " ms)";
    }

    private String name(int i) {
        if (i == chosenIndex) {
            return chosenName;
        }
        String n = names[i];
        if (n == null) {
            n = ps.get(i).strategy().toString();
            names[i] = n;
        }
        return n;
    }
}
