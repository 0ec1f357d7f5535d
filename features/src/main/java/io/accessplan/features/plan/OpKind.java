package io.accessplan.features.plan;

/** What an operation of a schedule does. */
public enum OpKind {
    /** Dense (batched) matrix multiply: FLOP-bound for large shapes. */
    GEMM,
    /** Pointwise kernel (activation, residual add, cast, rotary): memory-bound. */
    ELEMENTWISE,
    /** LayerNorm or RMSNorm: memory-bound reduction. */
    NORM,
    /** Row softmax over attention scores: memory-bound. */
    SOFTMAX,
    /** Dropout: draws a mask and applies it: memory-bound. */
    DROPOUT,
    /** FlashAttention-style fused attention: FLOP-bound, no score matrix in memory. */
    FUSED_ATTENTION,
    /** Embedding gather (or scatter-add in backward): memory-bound. */
    EMBEDDING,
    /** Softmax cross-entropy or MSE loss: memory-bound. */
    LOSS,
    /** Optimizer update on the device: memory-bound over all parameters. */
    OPTIMIZER,
    /** Optimizer update on host CPU threads (optimizer offload). */
    HOST_OPTIMIZER,
    /** Device-to-host copy into pinned memory. */
    COPY_D2H,
    /** Host-to-device copy from pinned memory. */
    COPY_H2D,
    /** Allocation of a tensor (device or pinned host). */
    ALLOC,
    /** Release of a tensor, ordered on its stream. */
    FREE;

    /** Whether this is a memory event rather than work. */
    public boolean isMemoryEvent() {
        return this == ALLOC || this == FREE;
    }

    /** Whether this is a host/device copy. */
    public boolean isCopy() {
        return this == COPY_D2H || this == COPY_H2D;
    }
}
