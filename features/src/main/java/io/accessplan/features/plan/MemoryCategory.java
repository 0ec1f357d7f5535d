package io.accessplan.features.plan;

/** What a block of memory holds, for the peak-memory breakdown. */
public enum MemoryCategory {
    /** Working weights (16-bit in mixed precision). */
    WEIGHTS,
    /** Gradients of the working weights. */
    GRADIENTS,
    /** Optimizer state: moments, and the fp32 master copy in mixed precision. */
    OPTIMIZER,
    /** Activations stored for the backward pass. */
    ACTIVATIONS,
    /** Short-lived buffers: intermediate outputs, activation gradients, prefetched data in flight. */
    TRANSIENT,
    /** The CUDA context. */
    CONTEXT,
    /** Library workspaces (cuBLAS). */
    WORKSPACE
}
