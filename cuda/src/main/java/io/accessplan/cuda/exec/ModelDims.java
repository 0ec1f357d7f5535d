package io.accessplan.cuda.exec;

import io.accessplan.cuda.device.DType;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.plan.Schedule;

/**
 * The dimensions an executor needs to give each kernel its operands, for one micro-batch.
 *
 * @param family       model family
 * @param layers       layers
 * @param samples      samples per micro-batch
 * @param seq          sequence length
 * @param hidden       hidden width h
 * @param heads        attention heads
 * @param kvHeads      key/value heads
 * @param headDim      head width
 * @param ffn          MLP hidden width
 * @param vocab        vocabulary
 * @param type         element type of activations, weights and gradients
 * @param microBatches micro-batches per step
 * @param parameters   model parameters (elements of the weights buffer)
 */
public record ModelDims(Family family, int layers, int samples, int seq, int hidden, int heads, int kvHeads,
                        int headDim, int ffn, int vocab, DType type, int microBatches, long parameters) {

    /** Dropout probability of the families that have dropout (GPT-2 and BERT use 0.1). */
    public static final double DROPOUT = 0.1;

    /** The dimensions of a schedule's workload under its strategy. */
    public static ModelDims of(Schedule s) {
        ModelSpec m = s.workload().model();
        TrainingConfig t = s.workload().training();
        int k = s.strategy().microBatches();
        return new ModelDims(m.family(), m.layers(), t.batch() / k, t.seqLen(), m.hidden(), m.heads(), m.kvHeads(),
                m.headDim(), m.ffnHidden(), m.vocab(), DType.of(t.precision()), k, s.workload().parameters());
    }

    /** Tokens of one micro-batch. */
    public long tokens() {
        return (long) samples * seq;
    }

    /** Tokens of the whole step (every micro-batch). */
    public long stepTokens() {
        return tokens() * microBatches;
    }

    /** Width of the key (and value) projection. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Width of the fused qkv projection's output. */
    public int qkvWidth() {
        return hidden + 2 * kvDim();
    }

    /** Whether attention is causal (decoders). */
    public boolean causal() {
        return family == Family.GPT || family == Family.LLAMA;
    }

    /** Whether norms are RMSNorm (no bias) rather than LayerNorm. */
    public boolean rmsNorm() {
        return family == Family.LLAMA;
    }
}
