package io.accessplan.features.plan;

/**
 * The operations a section template ({@link Section}) is made of: the one list of them that the
 * planner emits and every consumer of a schedule switches on (the CUDA backend's operand mapping,
 * for one), instead of parsing the operation's name. {@link #id()} is the name's part that says
 * which operation it is ({@code L3.attn.scores.dgrad}: {@code attn.scores}).
 */
public enum OpTemplate {
    /** LayerNorm before attention (gpt, bert). */
    LN1("ln1"),
    /** RMSNorm before attention (llama). */
    RMS1("rms1"),
    /** LayerNorm before the MLP. */
    LN2("ln2"),
    /** RMSNorm before the MLP. */
    RMS2("rms2"),
    /** The norm after the last layer. */
    FINAL_NORM("final_norm"),
    /** Autocast: the fp32 output of the first norm cast to 16 bits for the QKV projection. */
    NORM1_CAST("norm1.cast"),
    /** The fused query, key and value projection. */
    QKV("qkv"),
    /** Rotary position embedding of queries and keys (llama). */
    ROPE("rope"),
    /** FlashAttention-style fused attention. */
    ATTN_FUSED("attn.fused"),
    /** Attention scores Q K^T (naive attention). */
    ATTN_SCORES("attn.scores"),
    /** Softmax of the scores. */
    ATTN_SOFTMAX("attn.softmax"),
    /** Dropout of the attention probabilities. */
    ATTN_DROPOUT("attn.dropout"),
    /** Autocast: the fp32 attention probabilities cast to 16 bits for the PV product. */
    PROBS_CAST("attn.probs.cast"),
    /** Probabilities times values. */
    ATTN_PV("attn.pv"),
    /** The attention output projection. */
    ATTN_PROJ("attn.proj"),
    /** Dropout after the attention projection. */
    ATTN_PROJ_DROPOUT("attn.proj.dropout"),
    /** The residual add after attention. */
    RESIDUAL1("residual1"),
    /** Autocast: the fp32 output of the second norm cast to 16 bits for the MLP. */
    NORM2_CAST("norm2.cast"),
    /** The fused gate and up projection (SwiGLU MLP). */
    MLP_GATE_UP("mlp.gate_up"),
    /** SwiGLU. */
    MLP_SWIGLU("mlp.swiglu"),
    /** The down projection (SwiGLU MLP). */
    MLP_DOWN("mlp.down"),
    /** The first MLP projection (GeLU MLP). */
    MLP_FC1("mlp.fc1"),
    /** GeLU of the MLP. */
    MLP_GELU("mlp.gelu"),
    /** The second MLP projection (GeLU MLP). */
    MLP_FC2("mlp.fc2"),
    /** Dropout after the MLP. */
    MLP_DROPOUT("mlp.dropout"),
    /** The residual add after the MLP. */
    RESIDUAL2("residual2"),
    /** A plain linear layer (mlp family). */
    LINEAR("linear"),
    /** GeLU of a plain linear layer. */
    GELU("gelu"),
    /** The cast of the input batch to the training precision (mlp family). */
    INPUT_CAST("input.cast"),
    /** Token embedding lookup. */
    EMBEDDING("embedding"),
    /** Dropout of the embeddings. */
    EMBEDDING_DROPOUT("embedding.dropout"),
    /** Autocast: the fp32 input of the output head cast to 16 bits. */
    HEAD_CAST("head.cast"),
    /** The output head (logits). */
    LM_HEAD("lm_head"),
    /** Softmax cross-entropy loss. */
    LOSS_CROSS_ENTROPY("loss.cross_entropy"),
    /** Mean squared error loss (mlp family). */
    LOSS_MSE("loss.mse"),
    /**
     * Autocast: a weight GEMM's fp32 weight cast to its 16-bit copy (forward), and the 16-bit weight
     * gradient cast back to fp32 and accumulated into the fp32 gradients (its backward); named after
     * the GEMM ({@code L3.qkv.weight_cast}).
     */
    WEIGHT_CAST("weight_cast");

    private final String id;

    OpTemplate(String id) {
        this.id = id;
    }

    /** The name of the operation in a schedule's operation names. */
    public String id() {
        return id;
    }
}
