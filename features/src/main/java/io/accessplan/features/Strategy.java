package io.accessplan.features;

import java.util.ArrayList;
import java.util.List;

/**
 * One candidate way to schedule memory in a training step: an activation policy, a number of
 * micro-batches (gradient accumulation) and where the optimizer state lives. Written as
 * {@code keep}, {@code full+mb4}, {@code offload+opt_offload}, {@code selective+mb2+opt_offload}.
 *
 * @param policy           activation policy
 * @param microBatches     micro-batches per step, one of 1, 2, 4, 8
 * @param optimizerOffload whether optimizer state lives on the host (update on the CPU)
 */
public record Strategy(ActivationPolicy policy, int microBatches, boolean optimizerOffload) {

    /** The micro-batch counts a strategy may use. */
    public static final int[] MICRO_BATCHES = {1, 2, 4, 8};

    /** Validates the fields. */
    public Strategy {
        if (policy == null) {
            throw new IllegalArgumentException("Invalid activation_policy: null");
        }
        if (microBatches != 1 && microBatches != 2 && microBatches != 4 && microBatches != 8) {
            throw new IllegalArgumentException("Invalid micro_batches: " + microBatches + " (expected 1, 2, 4 or 8)");
        }
    }

    /** Parses a strategy string such as {@code full+mb4+opt_offload}. */
    public static Strategy parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("Unknown strategy: '" + s + "'");
        }
        String[] parts = s.trim().split("\\+");
        ActivationPolicy policy;
        try {
            policy = ActivationPolicy.parse(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown strategy: " + s + " (" + e.getMessage() + ")");
        }
        int mb = 1;
        boolean opt = false;
        boolean seenMb = false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.equals("opt_offload") && !opt) {
                opt = true;
            } else if (p.matches("mb[0-9]+") && !seenMb && !opt) {
                mb = Integer.parseInt(p.substring(2));
                seenMb = true;
                if (mb == 1) {
                    throw new IllegalArgumentException("Unknown strategy: " + s + " (write mb1 as nothing)");
                }
            } else {
                throw new IllegalArgumentException("Unknown strategy: " + s + " (bad part '" + p + "')");
            }
        }
        try {
            return new Strategy(policy, mb, opt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown strategy: " + s + " (" + e.getMessage() + ")");
        }
    }

    /** Whether this strategy is a candidate for a workload: policy valid for the family, k divides the batch. */
    public boolean validFor(Workload w) {
        return policy.validFor(w.model().family(), w.training().attention()) && microBatches <= w.training().batch()
                && w.training().batch() % microBatches == 0;
    }

    /** Throws, naming the strategy and the reason, where {@link #validFor} is false. */
    public void checkValidFor(Workload w) {
        if (!policy.validFor(w.model().family())) {
            throw new IllegalArgumentException("Invalid strategy: " + this + " (" + policy.id()
                    + " is not valid for family " + w.model().family().id() + ")");
        }
        if (!policy.validFor(w.model().family(), w.training().attention())) {
            throw new IllegalArgumentException("Invalid strategy: " + this + " (" + policy.id()
                    + " recomputes stored attention scores, which " + w.training().attention().id()
                    + " attention does not store)");
        }
        if (!validFor(w)) {
            throw new IllegalArgumentException("Invalid strategy: " + this + " (micro_batches " + microBatches
                    + " does not divide batch " + w.training().batch() + ")");
        }
    }

    /** Every strategy, in canonical order (policy, then micro-batches, then offload). */
    public static List<Strategy> all() {
        List<Strategy> out = new ArrayList<>();
        for (ActivationPolicy p : ActivationPolicy.values()) {
            for (int k : MICRO_BATCHES) {
                out.add(new Strategy(p, k, false));
                out.add(new Strategy(p, k, true));
            }
        }
        return List.copyOf(out);
    }

    /** The candidate strategies of a workload, in canonical order. */
    public static List<Strategy> candidates(Workload w) {
        return all().stream().filter(s -> s.validFor(w)).toList();
    }

    @Override
    public String toString() {
        return policy.id() + (microBatches > 1 ? "+mb" + microBatches : "") + (optimizerOffload ? "+opt_offload" : "");
    }
}
