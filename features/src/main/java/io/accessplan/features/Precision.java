package io.accessplan.features;

import java.util.Locale;

/** Training precision; 16-bit means mixed precision with fp32 master weights. */
public enum Precision {
    /** Full fp32 training (tensor cores run TF32 where the device has them). */
    FP32(4),
    /** Mixed precision with fp16 activations and weights, fp32 master weights. */
    FP16(2),
    /** Mixed precision with bf16 activations and weights, fp32 master weights. */
    BF16(2);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes of one activation or working-weight element. */
    public int bytes() {
        return bytes;
    }

    /** Whether this is mixed precision (16-bit working copy, fp32 master copy). */
    public boolean mixed() {
        return this != FP32;
    }

    /** Parses a lower-case precision name. */
    public static Precision parse(String s) {
        return Checks.parseEnum("precision", s, Precision.class);
    }

    /** The lower-case name used on the command line and in the dataset. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
