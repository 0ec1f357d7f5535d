package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.List;
import java.util.Objects;

/**
 * The answer for one workload. When nothing is predicted to fit, {@code fits} is false and the
 * strategy is the one of least predicted memory, with how far over the device it is: "does not
 * fit on this device" is an answer, not an exception.
 *
 * <p>A value with the accessors, equality and text of a record of its fourteen components
 * ({@code Recommendation[workload=..., ..., throughput=...]}). A served answer builds its
 * {@link #summary} line when first asked for, as its alternatives their why-lost lines
 * ({@link Alternative}): a scheduler that reads the strategy and the fit does not pay for the text
 * (about 1 us of a lookup's 40). The line depends on the lookup's prediction alone, so it is the
 * same whenever, and by whichever thread, it is built.
 */
public final class Recommendation {
    private final Workload workload;
    private final Strategy strategy;
    private final boolean fits;
    private final double predictedStepTimeMs;
    private final double stepTimeLowMs;
    private final double stepTimeHighMs;
    private final double throughputSamplesPerSecond;
    private final double predictedPeakMemoryBytes;
    private final double peakLowBytes;
    private final double peakHighBytes;
    private final double headroomBytes;
    private final List<Alternative> alternatives;
    private final Throughput throughput;
    /** The lookup's deferred parts, which build {@link #summary}; null when it was given. */
    private final Deferred deferred;
    /** The line once known (a race between threads writes equal strings). */
    private String summary;

    /**
     * @param workload                 the workload asked about
     * @param strategy                 the chosen strategy
     * @param fits                     whether the chosen strategy is predicted to fit (with the safety margin)
     * @param predictedStepTimeMs      predicted step time
     * @param stepTimeLowMs            low end of the step-time interval (5% quantile of cross-validated residuals)
     * @param stepTimeHighMs           high end (95% quantile)
     * @param throughputSamplesPerSecond predicted samples per second
     * @param predictedPeakMemoryBytes predicted peak device memory
     * @param peakLowBytes             low end of the peak interval
     * @param peakHighBytes            high end of the peak interval
     * @param headroomBytes            device memory left with the safety margin applied (negative: over by that much)
     * @param alternatives             every other candidate, fastest first, with why it lost
     * @param summary                  one line for a person
     * @param throughput               samples and tokens per second, MFU and HFU of the chosen strategy at its
     *                                 predicted step time
     */
    public Recommendation(Workload workload, Strategy strategy, boolean fits, double predictedStepTimeMs,
                          double stepTimeLowMs, double stepTimeHighMs, double throughputSamplesPerSecond,
                          double predictedPeakMemoryBytes, double peakLowBytes, double peakHighBytes,
                          double headroomBytes, List<Alternative> alternatives, String summary,
                          Throughput throughput) {
        this(workload, strategy, fits, predictedStepTimeMs, stepTimeLowMs, stepTimeHighMs, throughputSamplesPerSecond,
                predictedPeakMemoryBytes, peakLowBytes, peakHighBytes, headroomBytes, alternatives, (Deferred) null,
                throughput);
        this.summary = summary;
    }

    /** A served answer whose summary {@code deferred} builds when asked ({@link Deferred#summary}). */
    Recommendation(Workload workload, Strategy strategy, boolean fits, double predictedStepTimeMs,
                   double stepTimeLowMs, double stepTimeHighMs, double throughputSamplesPerSecond,
                   double predictedPeakMemoryBytes, double peakLowBytes, double peakHighBytes,
                   double headroomBytes, List<Alternative> alternatives, Deferred deferred, Throughput throughput) {
        this.workload = workload;
        this.strategy = strategy;
        this.fits = fits;
        this.predictedStepTimeMs = predictedStepTimeMs;
        this.stepTimeLowMs = stepTimeLowMs;
        this.stepTimeHighMs = stepTimeHighMs;
        this.throughputSamplesPerSecond = throughputSamplesPerSecond;
        this.predictedPeakMemoryBytes = predictedPeakMemoryBytes;
        this.peakLowBytes = peakLowBytes;
        this.peakHighBytes = peakHighBytes;
        this.headroomBytes = headroomBytes;
        this.alternatives = alternatives;
        this.deferred = deferred;
        this.throughput = throughput;
    }

    /** The workload asked about. */
    public Workload workload() {
        return workload;
    }

    /** The chosen strategy. */
    public Strategy strategy() {
        return strategy;
    }

    /** Whether the chosen strategy is predicted to fit (with the safety margin). */
    public boolean fits() {
        return fits;
    }

    /** Predicted step time. */
    public double predictedStepTimeMs() {
        return predictedStepTimeMs;
    }

    /** Low end of the step-time interval (5% quantile of cross-validated residuals). */
    public double stepTimeLowMs() {
        return stepTimeLowMs;
    }

    /** High end of the step-time interval (95% quantile). */
    public double stepTimeHighMs() {
        return stepTimeHighMs;
    }

    /** Predicted samples per second. */
    public double throughputSamplesPerSecond() {
        return throughputSamplesPerSecond;
    }

    /** Predicted peak device memory. */
    public double predictedPeakMemoryBytes() {
        return predictedPeakMemoryBytes;
    }

    /** Low end of the peak interval. */
    public double peakLowBytes() {
        return peakLowBytes;
    }

    /** High end of the peak interval. */
    public double peakHighBytes() {
        return peakHighBytes;
    }

    /** Device memory left with the safety margin applied (negative: over by that much). */
    public double headroomBytes() {
        return headroomBytes;
    }

    /** Every other candidate, fastest first, with why it lost. */
    public List<Alternative> alternatives() {
        return alternatives;
    }

    /** One line for a person. */
    public String summary() {
        String s = summary;
        if (s == null && deferred != null) {
            s = deferred.summary(throughput);
            summary = s;
        }
        return s;
    }

    /** Samples and tokens per second, MFU and HFU of the chosen strategy at its predicted step time. */
    public Throughput throughput() {
        return throughput;
    }

    /**
     * The layers the chosen policy applies to, counted from the first: N of a partial policy
     * ({@code full:12}), the model's layers for a whole-model full, selective or offload; empty for
     * keep and sqrt, which have no count (as the dataset's {@code policy_layers}).
     */
    public java.util.OptionalInt policyLayers() {
        return strategy.policy().partial() ? java.util.OptionalInt.of(strategy.appliedLayers(workload.model().layers()))
                : java.util.OptionalInt.empty();
    }

    /** Predicted tokens per second (NaN for the {@code mlp} family, which has no tokens). */
    public double tokensPerSecond() {
        return throughput.tokensPerSecond();
    }

    /** Predicted model FLOPs utilization, a fraction: {@link Throughput}. */
    public double mfu() {
        return throughput.mfu();
    }

    /** Predicted hardware FLOPs utilization (recomputation included), a fraction: {@link Throughput}. */
    public double hfu() {
        return throughput.hfu();
    }

    /** Equal components, the doubles compared as {@link Double#compare} does (a record's rule). */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Recommendation r && Objects.equals(workload, r.workload)
                && Objects.equals(strategy, r.strategy) && fits == r.fits
                && Double.compare(predictedStepTimeMs, r.predictedStepTimeMs) == 0
                && Double.compare(stepTimeLowMs, r.stepTimeLowMs) == 0
                && Double.compare(stepTimeHighMs, r.stepTimeHighMs) == 0
                && Double.compare(throughputSamplesPerSecond, r.throughputSamplesPerSecond) == 0
                && Double.compare(predictedPeakMemoryBytes, r.predictedPeakMemoryBytes) == 0
                && Double.compare(peakLowBytes, r.peakLowBytes) == 0 && Double.compare(peakHighBytes, r.peakHighBytes) == 0
                && Double.compare(headroomBytes, r.headroomBytes) == 0 && Objects.equals(alternatives, r.alternatives)
                && Objects.equals(summary(), r.summary()) && Objects.equals(throughput, r.throughput);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(workload);
        h = 31 * h + Objects.hashCode(strategy);
        h = 31 * h + Boolean.hashCode(fits);
        h = 31 * h + Double.hashCode(predictedStepTimeMs);
        h = 31 * h + Double.hashCode(stepTimeLowMs);
        h = 31 * h + Double.hashCode(stepTimeHighMs);
        h = 31 * h + Double.hashCode(throughputSamplesPerSecond);
        h = 31 * h + Double.hashCode(predictedPeakMemoryBytes);
        h = 31 * h + Double.hashCode(peakLowBytes);
        h = 31 * h + Double.hashCode(peakHighBytes);
        h = 31 * h + Double.hashCode(headroomBytes);
        h = 31 * h + Objects.hashCode(alternatives);
        h = 31 * h + Objects.hashCode(summary());
        return 31 * h + Objects.hashCode(throughput);
    }

    /** The text a record of the fourteen components prints. */
    @Override
    public String toString() {
        return "Recommendation[workload=" + workload + ", strategy=" + strategy + ", fits=" + fits
                + ", predictedStepTimeMs=" + predictedStepTimeMs + ", stepTimeLowMs=" + stepTimeLowMs
                + ", stepTimeHighMs=" + stepTimeHighMs + ", throughputSamplesPerSecond=" + throughputSamplesPerSecond
                + ", predictedPeakMemoryBytes=" + predictedPeakMemoryBytes + ", peakLowBytes=" + peakLowBytes
                + ", peakHighBytes=" + peakHighBytes + ", headroomBytes=" + headroomBytes + ", alternatives="
                + alternatives + ", summary=" + summary() + ", throughput=" + throughput + "]";
    }
}
