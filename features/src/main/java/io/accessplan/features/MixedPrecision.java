package io.accessplan.features;

import java.util.Locale;

/**
 * How a 16-bit training precision keeps its weights: the two ways frameworks do mixed precision
 * differ in the model state they hold and in the work they add to a step, so a workload says
 * which one it means. Ignored (and only {@link #MASTER} accepted) in fp32 training.
 *
 * <ul>
 * <li>{@link #MASTER}, the default, and what the dataset's rows and the CUDA backend have always
 *     meant by {@code fp16}/{@code bf16}: 16-bit weights and 16-bit gradients, with an fp32 master
 *     copy of the weights inside the optimizer, which writes the 16-bit weights back after its update
 *     (Micikevicius et al. 2018; Megatron-LM's {@code --fp16/--bf16}, DeepSpeed's {@code fp16}/{@code bf16}
 *     sections, fairseq's {@code --fp16}, apex {@code O2}). 2 + 2 + 12 bytes of model state per
 *     parameter with Adam (ZeRO, Rajbhandari et al. 2020, section 3.1).</li>
 * <li>{@link #AUTOCAST}: fp32 weights and fp32 gradients; every weight GEMM casts its weight to a
 *     16-bit copy (once per forward of a micro-batch, cached inside the autocast region and kept for
 *     the backward by autograd), and the 16-bit weight gradient is cast back to fp32 and
 *     accumulated; norms, softmax and the loss run and store in fp32 (PyTorch {@code torch.autocast}
 *     op lists, "Automatic Mixed Precision package"; Hugging Face Trainer {@code fp16=True/bf16=True}
 *     without DeepSpeed; TensorFlow's AMP graph rewrite; apex {@code O1}). 4 + 4 + 8 bytes per parameter
 *     with Adam, plus the 2-byte weight copies while a micro-batch's forward and backward hold them.</li>
 * </ul>
 * With fp16 both run dynamic loss scaling: the gradients are unscaled and checked for inf/NaN before
 * every update (PyTorch {@code GradScaler.unscale_}; Megatron/DeepSpeed dynamic loss scaler); bf16
 * needs no loss scale.
 */
public enum MixedPrecision {
    /** 16-bit weights and gradients, fp32 master weights in the optimizer (Megatron, DeepSpeed). The default. */
    MASTER,
    /** fp32 weights and gradients, 16-bit copies cast per op (PyTorch autocast). */
    AUTOCAST;

    /** Parses a lower-case name. */
    public static MixedPrecision parse(String s) {
        return Checks.parseEnum("mixed_precision", s, MixedPrecision.class);
    }

    /** The lower-case name used on the command line and in job files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
