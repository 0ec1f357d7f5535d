package io.accessplan.cuda.device;

import io.accessplan.features.Precision;

/** Element type of activations, weights and gradients; names the kernel variant ({@code gelu_fwd_f16}). */
public enum DType {
    /** IEEE fp32. */
    F32("f32", 4),
    /** IEEE fp16. */
    F16("f16", 2),
    /** bfloat16. */
    BF16("bf16", 2);

    private final String suffix;
    private final int bytes;

    DType(String suffix, int bytes) {
        this.suffix = suffix;
        this.bytes = bytes;
    }

    /** Suffix of the kernel names instantiated for this type. */
    public String suffix() {
        return suffix;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The type a training precision stores activations in. */
    public static DType of(Precision p) {
        return switch (p) {
            case FP32 -> F32;
            case FP16 -> F16;
            case BF16 -> BF16;
        };
    }
}
