package io.accessplan.features.plan;

/** Which part of a training step an operation belongs to. */
public enum Phase {
    /** The forward pass. */
    FORWARD,
    /** Forward work repeated in backward because its activations were not kept. */
    RECOMPUTE,
    /** The backward pass. */
    BACKWARD,
    /** The optimizer step (after the last micro-batch). */
    OPTIMIZER
}
