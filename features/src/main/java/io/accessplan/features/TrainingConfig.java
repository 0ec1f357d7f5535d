package io.accessplan.features;

/**
 * How a model is trained on one GPU.
 *
 * @param seqLen    tokens per sample (rows per sample for MLP)
 * @param batch     samples per optimizer step
 * @param precision training precision
 * @param optimizer optimizer
 * @param attention attention implementation
 * @param mixedPrecision how a 16-bit precision keeps its weights ({@link MixedPrecision}); only
 *                  {@link MixedPrecision#MASTER} in fp32
 */
public record TrainingConfig(int seqLen, int batch, Precision precision, OptimizerKind optimizer,
                             AttentionKind attention, MixedPrecision mixedPrecision) {

    /** Longest sample: 1,048,576 = 2^20 tokens. */
    public static final int MAX_SEQ_LEN = 1 << 20;
    /** Most samples per optimizer step on one GPU: 65,536. */
    public static final int MAX_BATCH = 1 << 16;
    /** Most tokens per step on one GPU, seq_len x batch: 16,777,216 = 2^24 (a large pretraining step is ~4M). */
    public static final long MAX_TOKENS = 1L << 24;

    /** Validates every field against its bound; the message names the field, the value and the bound. */
    public TrainingConfig {
        Checks.range("seq_len", seqLen, MAX_SEQ_LEN);
        Checks.range("batch", batch, MAX_BATCH);
        if ((long) seqLen * batch > MAX_TOKENS) {
            throw new IllegalArgumentException("Invalid batch: " + batch + " (seq_len x batch = " + (long) seqLen * batch
                    + " tokens a step, more than " + MAX_TOKENS + ")");
        }
        if (precision == null) {
            throw new IllegalArgumentException("Invalid precision: null");
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("Invalid optimizer: null");
        }
        if (attention == null) {
            throw new IllegalArgumentException("Invalid attention: null");
        }
        if (mixedPrecision == null) {
            throw new IllegalArgumentException("Invalid mixed_precision: null");
        }
        if (mixedPrecision != MixedPrecision.MASTER && !precision.mixed()) {
            throw new IllegalArgumentException("Invalid mixed_precision: " + mixedPrecision.id() + " (precision "
                    + precision.id() + " is not mixed precision; use fp16 or bf16)");
        }
    }

    /** A configuration with the default mixed precision, {@link MixedPrecision#MASTER}. */
    public TrainingConfig(int seqLen, int batch, Precision precision, OptimizerKind optimizer, AttentionKind attention) {
        this(seqLen, batch, precision, optimizer, attention, MixedPrecision.MASTER);
    }

    /** Whether the weights are fp32 and cast to 16 bits per op (PyTorch autocast). */
    public boolean autocast() {
        return mixedPrecision == MixedPrecision.AUTOCAST;
    }

    /** This configuration with another mixed-precision style. */
    public TrainingConfig withMixedPrecision(MixedPrecision m) {
        return new TrainingConfig(seqLen, batch, precision, optimizer, attention, m);
    }

    /** Tokens processed per optimizer step. */
    public long tokens() {
        return (long) seqLen * batch;
    }
}
