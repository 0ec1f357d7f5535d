package io.accessplan.features.plan;

/** Where a tensor lives. */
public enum Location {
    /** Device memory. */
    DEVICE,
    /** Pinned host memory. */
    HOST
}
