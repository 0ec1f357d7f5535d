package io.accessplan.features.plan;

/**
 * Which pass of a section operation a kernel is: its forward (or its recomputation), or one of
 * its backward kernels. A GEMM {@code C = A B} has two backward GEMMs, {@code dA = dC B^T}
 * ({@link #DGRAD}) and {@code dB = A^T dC} ({@link #WGRAD} when B is a weight, {@link #DGRAD2}
 * otherwise); any other operation has one ({@link #BWD}).
 */
public enum OpPass {
    /** The forward kernel, or its recomputation. */
    FORWARD(""),
    /** A GEMM's gradient with respect to its first operand. */
    DGRAD(".dgrad"),
    /** A GEMM's gradient with respect to its second operand, an activation. */
    DGRAD2(".dgrad2"),
    /** A GEMM's gradient with respect to its weight. */
    WGRAD(".wgrad"),
    /** The backward kernel of a non-GEMM operation. */
    BWD(".bwd");

    private final String suffix;

    OpPass(String suffix) {
        this.suffix = suffix;
    }

    /** What the pass adds to the operation's name. */
    public String suffix() {
        return suffix;
    }
}
