package io.accessplan.features;

/**
 * How a model is trained on one GPU.
 *
 * @param seqLen    tokens per sample (rows per sample for MLP)
 * @param batch     samples per optimizer step
 * @param precision training precision
 * @param optimizer optimizer
 * @param attention attention implementation
 */
public record TrainingConfig(int seqLen, int batch, Precision precision, OptimizerKind optimizer,
                             AttentionKind attention) {

    /** Validates every field. */
    public TrainingConfig {
        Checks.positive("seq_len", seqLen);
        Checks.positive("batch", batch);
        if (precision == null) {
            throw new IllegalArgumentException("Invalid precision: null");
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("Invalid optimizer: null");
        }
        if (attention == null) {
            throw new IllegalArgumentException("Invalid attention: null");
        }
    }

    /** Tokens processed per optimizer step. */
    public long tokens() {
        return (long) seqLen * batch;
    }
}
