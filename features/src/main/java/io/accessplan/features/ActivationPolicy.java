package io.accessplan.features;

import java.util.Locale;

/** What a training step keeps of the forward activations for the backward pass. */
public enum ActivationPolicy {
    /** Store every activation the backward pass needs. */
    KEEP,
    /** Recompute only the attention core (scores, softmax, dropout): Korthikanti et al. 2022. */
    SELECTIVE,
    /** Store only each layer's input and recompute the layer in backward. */
    FULL,
    /** Checkpoint every ceil(sqrt(L)) layers and recompute segments (Chen et al. 2016). */
    SQRT,
    /** Copy each layer's activations to pinned host memory, prefetch one layer ahead in backward. */
    OFFLOAD;

    /** Whether the policy makes sense for a family (selective needs attention). */
    public boolean validFor(Family family) {
        return this != SELECTIVE || family.hasAttention();
    }

    /**
     * Whether the policy makes sense for a family and attention kind: selective recomputation
     * drops the stored score matrices, which fused attention never stores, so with fused
     * attention it would be {@code keep} under another name.
     */
    public boolean validFor(Family family, AttentionKind attention) {
        return validFor(family) && (this != SELECTIVE || attention != AttentionKind.FUSED);
    }

    /** Whether the policy can apply to some of the layers ({@code full:12}): full, selective, offload. */
    public boolean partial() {
        return this == FULL || this == SELECTIVE || this == OFFLOAD;
    }

    /** Parses a lower-case policy name. */
    public static ActivationPolicy parse(String s) {
        return Checks.parseEnum("activation_policy", s, ActivationPolicy.class);
    }

    /** The lower-case name used in strategy strings and the dataset. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
