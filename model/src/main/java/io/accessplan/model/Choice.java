package io.accessplan.model;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;

import java.util.List;

/**
 * The one rule that turns a workload's predictions into a choice: the predictor answers users
 * with it and the evaluation ({@code model.evaluate.Evaluator}) scores it, so the reported metrics are what users get.
 *
 * <ol>
 *   <li>Only strategies predicted to fit are eligible, and of those, none that does strictly more
 *       work than another fitting one with the same micro-batching ({@link #doesLessWork}):
 *       physics bounds its step time below by the other's, whatever a model predicts.</li>
 *   <li>Among the eligible, the fastest predicted; but any eligible strategy predicted within the
 *       tie tolerance of it that is plainer ({@link #plainness}) wins: a difference smaller than
 *       the model's own error is no reason to recompute or offload anything. On the simulated
 *       standard sweep, whose runner-up is within 2% of the best in half of the workloads and
 *       where the cross-validated within-workload error among strategies within 10% of the best is
 *       1.75% rms, a 3% tolerance gave the highest cross-validated top-1 of 1%, 2% and 3% on two
 *       fold assignments (1%: 88.5; 2%: 90.6 and 90.1; 3%: 90.8 and 90.7) at no cost in regret.</li>
 *   <li>When nothing is predicted to fit, the strategy of least predicted peak (the answer "does not
 *       fit" names it).</li>
 * </ol>
 * Ties keep the earlier strategy (canonical order).
 */
public final class Choice {
    /** Default tie tolerance: 3% of step time, 1.7 times the model's within-workload step-time error. */
    public static final double DEFAULT_TIE_TOLERANCE = 0.03;

    private Choice() {
    }

    /**
     * A decision.
     *
     * @param chosen   index of the chosen strategy
     * @param fits     whether it is predicted to fit (false: nothing is)
     * @param lessWork per strategy, the index of a fitting strategy doing strictly less of its work
     *                 with the same micro-batching, or -1
     */
    public record Decision(int chosen, boolean fits, int[] lessWork) {
    }

    /**
     * Chooses among one workload's strategies.
     *
     * @param strategies the candidates
     * @param timeMs     predicted step time of each
     * @param peakBytes  predicted peak of each
     * @param fits       whether each is predicted to fit (with its safety margin)
     * @param tolerance  tie tolerance, in [0, 1)
     */
    public static Decision decide(List<Strategy> strategies, double[] timeMs, double[] peakBytes, boolean[] fits,
                                  double tolerance) {
        int n = strategies.size();
        if (n == 0) {
            throw new IllegalArgumentException("No candidate strategy to choose from");
        }
        // a strategy doing less work has the same micro-batches: each is compared with the fitting
        // strategies of its micro-batch count only, in order (the first such one is named)
        int[][] fittingByMb = new int[Strategy.MICRO_BATCHES.length][n];
        int[] found = new int[Strategy.MICRO_BATCHES.length];
        for (int j = 0; j < n; j++) {
            if (fits[j]) {
                int g = Integer.numberOfTrailingZeros(strategies.get(j).microBatches());
                fittingByMb[g][found[g]++] = j;
            }
        }
        int[] lessWork = new int[n];
        for (int i = 0; i < n; i++) {
            lessWork[i] = -1;
            Strategy b = strategies.get(i);
            int g = Integer.numberOfTrailingZeros(b.microBatches());
            int[] js = fittingByMb[g];
            for (int k = 0; k < found[g]; k++) {
                int j = js[k];
                if (j != i && doesLessWork(strategies.get(j), b)) {
                    lessWork[i] = j;
                    break;
                }
            }
        }
        int fastest = -1;
        for (int i = 0; i < n; i++) {
            if (fits[i] && lessWork[i] < 0 && (fastest < 0 || timeMs[i] < timeMs[fastest])) {
                fastest = i;
            }
        }
        if (fastest < 0) {
            int least = 0;
            for (int i = 1; i < n; i++) {
                if (peakBytes[i] < peakBytes[least]) {
                    least = i;
                }
            }
            return new Decision(least, false, lessWork);
        }
        int chosen = fastest;
        double limit = timeMs[fastest] * (1 + tolerance);
        for (int i = 0; i < n; i++) {
            if (fits[i] && lessWork[i] < 0 && timeMs[i] <= limit
                    && plainness(strategies.get(i)) < plainness(strategies.get(chosen))) {
                chosen = i;
            }
        }
        return new Decision(chosen, true, lessWork);
    }

    /** The decision over predictions (their own fit verdicts). */
    public static Decision decide(List<Prediction> predictions, double tolerance) {
        int n = predictions.size();
        double[] t = new double[n];
        double[] p = new double[n];
        boolean[] f = new boolean[n];
        List<Strategy> s = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Prediction x = predictions.get(i);
            s.add(x.strategy());
            t[i] = x.stepTimeMs();
            p[i] = x.peakBytes();
            f[i] = x.fits();
        }
        return decide(s, t, p, f, tolerance);
    }

    /**
     * Whether {@code a} does a strict subset of {@code b}'s work with the same micro-batching:
     * keep recomputes and copies nothing; selective recomputes a subset of what full and sqrt
     * recompute; offload adds copies to keep; optimizer offload adds copies and a host update; a
     * policy on fewer layers does a subset of the same policy on more. A strategy with such a
     * fitting alternative cannot be faster, whatever a model predicts.
     */
    public static boolean doesLessWork(Strategy a, Strategy b) {
        if (a.microBatches() != b.microBatches() || (a.optimizerOffload() && !b.optimizerOffload())) {
            return false;
        }
        boolean subset = switch (a.policy()) {
            case KEEP -> true;
            case SELECTIVE -> (b.policy() == ActivationPolicy.SELECTIVE || b.policy() == ActivationPolicy.FULL)
                    && layers(b) >= layers(a) || b.policy() == ActivationPolicy.SQRT;
            default -> a.policy() == b.policy() && layers(b) >= layers(a);
        };
        // a strategy is no strict subset of itself (the record comparison last: a decision asks n^2 times)
        return subset && !a.equals(b);
    }

    /**
     * The layers a strategy's policy applies to, for comparing work: a partial policy's count, or
     * "every layer" for one without ({@code full:N} does a subset of {@code full:M}'s work for N &lt;= M).
     */
    private static int layers(Strategy s) {
        return s.isPartial() ? s.policyLayers() : Integer.MAX_VALUE;
    }

    /**
     * How much a strategy changes the plain training step: lower is plainer (keep before selective
     * before full before sqrt before offload; fewer micro-batches first; the optimizer on the device
     * first).
     */
    public static int plainness(Strategy s) {
        int policy = switch (s.policy()) {
            case KEEP -> 0;
            case SELECTIVE -> 10;
            case FULL -> 20;
            case SQRT -> 30;
            case OFFLOAD -> 50;
        };
        return policy + 5 * Integer.numberOfTrailingZeros(s.microBatches()) + (s.optimizerOffload() ? 100 : 0);
    }
}
