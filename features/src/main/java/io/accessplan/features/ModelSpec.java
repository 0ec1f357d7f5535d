package io.accessplan.features;

/**
 * The architecture of a model.
 *
 * @param family     architecture family
 * @param layers     number of transformer (or linear) layers
 * @param hidden     model width h
 * @param heads      attention heads a (1 for MLP)
 * @param kvHeads    key/value heads for grouped-query attention (= heads unless Llama GQA)
 * @param ffnHidden  MLP inner width
 * @param vocab      vocabulary size (0 for MLP)
 */
public record ModelSpec(Family family, int layers, int hidden, int heads, int kvHeads, int ffnHidden, int vocab) {

    /** Validates every field; the message names the field and the value. */
    public ModelSpec {
        if (family == null) {
            throw new IllegalArgumentException("Invalid family: null");
        }
        Checks.positive("layers", layers);
        Checks.positive("hidden", hidden);
        Checks.positive("heads", heads);
        Checks.positive("kv_heads", kvHeads);
        Checks.positive("ffn_hidden", ffnHidden);
        if (family.hasAttention()) {
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("Invalid heads: " + heads + " (must divide hidden " + hidden + ")");
            }
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("Invalid kv_heads: " + kvHeads + " (must divide heads " + heads + ")");
            }
            Checks.positive("vocab", vocab);
        } else if (vocab < 0) {
            throw new IllegalArgumentException("Invalid vocab: " + vocab + " (must be >= 0)");
        }
        if (kvHeads != heads && family != Family.LLAMA) {
            throw new IllegalArgumentException("Invalid kv_heads: " + kvHeads + " (grouped-query attention is llama only)");
        }
    }

    /** Builds a spec with the family defaults for any null optional field. */
    public static ModelSpec of(Family family, int layers, int hidden, Integer heads, Integer kvHeads,
                               Integer ffnHidden, Integer vocab) {
        if (family == null) {
            throw new IllegalArgumentException("Invalid family: null");
        }
        int h = heads != null ? heads : (family.hasAttention() ? Math.max(1, hidden / 64) : 1);
        return new ModelSpec(family, layers, hidden, h, kvHeads != null ? kvHeads : h,
                ffnHidden != null ? ffnHidden : family.defaultFfnHidden(hidden),
                vocab != null ? vocab : family.defaultVocab());
    }

    /** Builds a spec with every optional field at its family default. */
    public static ModelSpec of(Family family, int layers, int hidden, int heads) {
        return of(family, layers, hidden, heads, null, null, null);
    }

    /** Width of one attention head. */
    public int headDim() {
        return hidden / heads;
    }

    /** Width of the key (and value) projection: kv_heads x head_dim. */
    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Learned position embeddings stored for a sequence length (0 for rotary or none). */
    public long positions(int seqLen) {
        return switch (family) {
            case GPT -> seqLen;                  // GPT-2 keeps n_ctx positions; n_ctx = seq_len here
            case BERT -> Math.max(512, seqLen);  // BERT ships 512 positions
            case LLAMA, MLP -> 0;                // rotary / none
        };
    }

    /** Whether the output head shares its matrix with the input embedding. */
    public boolean tiedHead() {
        return family == Family.GPT || family == Family.BERT;
    }

    /** Parameters of one layer, biases and norms included. */
    public long layerParameters() {
        long h = hidden;
        long f = ffnHidden;
        return switch (family) {
            // qkv 3h^2+3h, proj h^2+h, fc1 hf+f, fc2 fh+h, two LayerNorms 4h
            case GPT, BERT -> 4 * h * h + 2 * h * f + 3 * h + h + f + h + 4 * h;
            // q,o h^2 each, k,v h*kv each, gate/up/down 3hf, two RMSNorms 2h; no biases
            case LLAMA -> 2 * h * h + 2 * h * kvDim() + 3 * h * f + 2 * h;
            // one linear h -> h with bias
            case MLP -> h * h + h;
        };
    }

    /**
     * Total parameters: embeddings, layers, final norm, head. Matches GPT-2 small (124,439,808),
     * Llama-2-7B (6,738,415,616) and BERT-large (335,141,888 with pooler, no MLM transform).
     */
    public long parameters(int seqLen) {
        long h = hidden;
        long total = layers * layerParameters();
        switch (family) {
            case GPT -> total += vocab * h + positions(seqLen) * h + 2 * h;
            case BERT -> total += vocab * h + positions(seqLen) * h + 2 * h + 2 * h + h * h + h;
            case LLAMA -> total += 2 * vocab * h + h;
            case MLP -> { }
        }
        return total;
    }
}
