package io.accessplan.features;

import java.util.ArrayList;
import java.util.List;

/**
 * One candidate way to schedule memory in a training step: an activation policy, a number of
 * micro-batches (gradient accumulation) and where the optimizer state lives. Written as
 * {@code keep}, {@code full+mb4}, {@code offload+opt_offload}, {@code selective+mb2+opt_offload}.
 *
 * <p>A partial policy applies {@code full}, {@code selective} or {@code offload} to the first
 * {@code N} layers only and keeps the rest: {@code full:12+mb2}, {@code offload:6}. A policy
 * without a count ({@code full}) applies to every layer, so older strings keep their meaning.
 * The earliest layers are the ones chosen: their activations are needed last in backward, so an
 * offloaded one has the whole backward of the later layers to be prefetched, and a recomputed one
 * is recomputed when the kept layers above it have already freed theirs (Megatron-LM's
 * {@code --recompute-method block} recomputes the first N layers of a stage for the same reason).
 *
 * @param policy           activation policy
 * @param microBatches     micro-batches per step, one of 1, 2, 4, 8
 * @param optimizerOffload whether optimizer state lives on the host (update on the CPU)
 * @param policyLayers     layers the policy applies to, counted from the first; 0 means every layer
 */
public record Strategy(ActivationPolicy policy, int microBatches, boolean optimizerOffload, int policyLayers) {

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
        if (policyLayers < 0) {
            throw new IllegalArgumentException("Invalid policy_layers: " + policyLayers + " (expected at least 1)");
        }
        if (policyLayers > 0 && !policy.partial()) {
            throw new IllegalArgumentException("Invalid policy_layers: " + policyLayers + " (" + policy.id()
                    + " applies to every layer or none; only full, selective and offload take a layer count)");
        }
    }

    /** A policy applied to every layer. */
    public Strategy(ActivationPolicy policy, int microBatches, boolean optimizerOffload) {
        this(policy, microBatches, optimizerOffload, 0);
    }

    /** The same micro-batches and optimizer placement with the policy applied to {@code n} layers (0: all). */
    public Strategy withPolicyLayers(int n) {
        return new Strategy(policy, microBatches, optimizerOffload, n);
    }

    /** The same strategy with its policy on every layer (the all-or-nothing strategy it refines). */
    public Strategy wholeModel() {
        return policyLayers == 0 ? this : withPolicyLayers(0);
    }

    /** Whether the policy applies to only some layers. */
    public boolean isPartial() {
        return policyLayers > 0;
    }

    /** How many of a model's {@code layers} the policy applies to: {@code policyLayers}, or all of them. */
    public int appliedLayers(int layers) {
        return policyLayers == 0 ? layers : Math.min(policyLayers, layers);
    }

    /** The policy as written in a strategy string: {@code full} or {@code full:12}. */
    public String policyId() {
        return policy.id() + (policyLayers > 0 ? ":" + policyLayers : "");
    }

    /** Parses a strategy string such as {@code full+mb4+opt_offload}. */
    public static Strategy parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("Unknown strategy: '" + s + "'");
        }
        String[] parts = s.trim().split("\\+");
        ActivationPolicy policy;
        int n = 0;
        String head = parts[0];
        int colon = head.indexOf(':');
        try {
            policy = ActivationPolicy.parse(colon < 0 ? head : head.substring(0, colon));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown strategy: " + s + " (" + e.getMessage() + ")");
        }
        if (colon >= 0) {
            String count = head.substring(colon + 1);
            if (!count.matches("-?[0-9]{1,9}")) {
                throw new IllegalArgumentException("Unknown strategy: " + s + " (bad layer count '" + count + "')");
            }
            n = Integer.parseInt(count);
            if (n == 0) {
                throw new IllegalArgumentException("Invalid strategy: " + s + " (" + policy.id()
                        + ":0 applies the policy to no layer: write keep)");
            }
            if (n < 0) {
                throw new IllegalArgumentException("Invalid strategy: " + s + " (layer count " + n
                        + " is negative; expected 1 to the model's layers)");
            }
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
            return new Strategy(policy, mb, opt, n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown strategy: " + s + " (" + e.getMessage() + ")");
        }
    }

    /** Whether this strategy is a candidate for a workload: policy valid for the family, k divides the batch. */
    public boolean validFor(Workload w) {
        return policy.validFor(w.model().family(), w.training().attention()) && microBatches <= w.training().batch()
                && w.training().batch() % microBatches == 0 && policyLayers <= w.model().layers();
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
        if (policyLayers > w.model().layers()) {
            throw new IllegalArgumentException("Invalid strategy: " + this + " (layer count " + policyLayers
                    + " is more than the model's " + w.model().layers() + " layers)");
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

    /**
     * The layer counts a sweep measures for a partial policy on {@code layers} layers: each quarter
     * of the model (rounded up, at least 1, below {@code layers}) and the given extra counts (such
     * as the smallest that fits), ascending, without duplicates; {@code layers} itself is the
     * whole-model strategy and not listed.
     */
    public static int[] sampledLayerCounts(int layers, int... extra) {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        for (int q = 1; q <= 3; q++) {
            out.add(Math.max(1, (q * layers + 3) / 4));
        }
        for (int e : extra) {
            out.add(e);
        }
        out.removeIf(n -> n < 1 || n >= layers);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The candidate strategies of a workload, in canonical order. */
    public static List<Strategy> candidates(Workload w) {
        return all().stream().filter(s -> s.validFor(w)).toList();
    }

    @Override
    public String toString() {
        return policyId() + (microBatches > 1 ? "+mb" + microBatches : "") + (optimizerOffload ? "+opt_offload" : "");
    }
}
