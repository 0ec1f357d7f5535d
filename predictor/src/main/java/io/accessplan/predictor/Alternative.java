package io.accessplan.predictor;

import io.accessplan.features.Strategy;

import java.util.Objects;

/**
 * A candidate strategy that was not chosen, and why: a value with the accessors, equality and
 * text of a record of its six components ({@code Alternative[strategy=..., ..., throughput=...]}).
 *
 * <p>A lookup's alternatives compute their {@link #whyLost} line and {@link #throughput} when
 * first asked for, not before: most callers (a scheduler in its inner loop) read the strategy and
 * the fit, and some thirty lines of text and throughputs cost a tenth of a lookup. Each is the same
 * whenever it is computed (it depends on the lookup's predictions alone), so threads that ask at
 * once agree.
 */
public final class Alternative {
    private final Strategy strategy;
    private final double predictedStepTimeMs;
    private final double predictedPeakMemoryBytes;
    private final boolean fits;
    /** The lookup's deferred parts, which compute {@link #whyLost} and {@link #throughput}; null when they were given. */
    private final Deferred deferred;
    private final int index;
    /** The line and the throughput once known (a race between threads writes equal values). */
    private String whyLost;
    private Throughput throughput;

    /**
     * @param strategy                 the strategy
     * @param predictedStepTimeMs      predicted step time
     * @param predictedPeakMemoryBytes predicted peak device memory
     * @param fits                     whether it is predicted to fit (with the safety margin)
     * @param whyLost                  one line: predicted not to fit, slower by how much, or a plainer tie won
     * @param throughput               samples and tokens per second, MFU and HFU at the predicted step time
     */
    public Alternative(Strategy strategy, double predictedStepTimeMs, double predictedPeakMemoryBytes, boolean fits,
                       String whyLost, Throughput throughput) {
        this(strategy, predictedStepTimeMs, predictedPeakMemoryBytes, fits, null, -1);
        this.whyLost = whyLost;
        this.throughput = throughput;
    }

    /** An alternative whose line and throughput {@code deferred} computes when asked: those of its lookup's prediction {@code index}. */
    Alternative(Strategy strategy, double predictedStepTimeMs, double predictedPeakMemoryBytes, boolean fits,
                Deferred deferred, int index) {
        this.strategy = strategy;
        this.predictedStepTimeMs = predictedStepTimeMs;
        this.predictedPeakMemoryBytes = predictedPeakMemoryBytes;
        this.fits = fits;
        this.deferred = deferred;
        this.index = index;
    }

    /** The strategy. */
    public Strategy strategy() {
        return strategy;
    }

    /** Predicted step time. */
    public double predictedStepTimeMs() {
        return predictedStepTimeMs;
    }

    /** Predicted peak device memory. */
    public double predictedPeakMemoryBytes() {
        return predictedPeakMemoryBytes;
    }

    /** Whether it is predicted to fit (with the safety margin). */
    public boolean fits() {
        return fits;
    }

    /** One line: predicted not to fit, slower by how much, or a plainer tie won. */
    public String whyLost() {
        String w = whyLost;
        if (w == null && deferred != null) {
            w = deferred.whyLost(index);
            whyLost = w;
        }
        return w;
    }

    /** Samples and tokens per second, MFU and HFU at the predicted step time. */
    public Throughput throughput() {
        Throughput t = throughput;
        if (t == null && deferred != null) {
            t = deferred.throughput(index);
            throughput = t;
        }
        return t;
    }

    /** Equal components, the doubles compared as {@link Double#compare} does (a record's rule). */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Alternative a && Objects.equals(strategy, a.strategy)
                && Double.compare(predictedStepTimeMs, a.predictedStepTimeMs) == 0
                && Double.compare(predictedPeakMemoryBytes, a.predictedPeakMemoryBytes) == 0 && fits == a.fits
                && Objects.equals(whyLost(), a.whyLost()) && Objects.equals(throughput(), a.throughput());
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(strategy);
        h = 31 * h + Double.hashCode(predictedStepTimeMs);
        h = 31 * h + Double.hashCode(predictedPeakMemoryBytes);
        h = 31 * h + Boolean.hashCode(fits);
        h = 31 * h + Objects.hashCode(whyLost());
        return 31 * h + Objects.hashCode(throughput());
    }

    /** The text a record of the six components prints. */
    @Override
    public String toString() {
        return "Alternative[strategy=" + strategy + ", predictedStepTimeMs=" + predictedStepTimeMs
                + ", predictedPeakMemoryBytes=" + predictedPeakMemoryBytes + ", fits=" + fits + ", whyLost="
                + whyLost() + ", throughput=" + throughput() + "]";
    }
}
