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

    /** Most layers a model may have: 1024 (the largest published dense models have about 128). */
    public static final int MAX_LAYERS = 1024;
    /** Widest model: 65,536 (published models reach 25,600). */
    public static final int MAX_HIDDEN = 65_536;
    /** Most attention heads: 1024 (published models have at most 128). */
    public static final int MAX_HEADS = 1024;
    /** Widest MLP: 262,144 (four times {@link #MAX_HIDDEN}). */
    public static final int MAX_FFN_HIDDEN = 262_144;
    /** Largest vocabulary: 4,194,304 = 2^22 (published vocabularies reach 256,000). */
    public static final int MAX_VOCAB = 4_194_304;

    /**
     * Validates every field against its bound (so that every byte and FLOP count of a plan fits a
     * long, and no plan is unbounded work); the message names the field, the value and the bound.
     */
    public ModelSpec {
        if (family == null) {
            throw new IllegalArgumentException("Invalid family: null");
        }
        Checks.range("layers", layers, MAX_LAYERS);
        Checks.range("hidden", hidden, MAX_HIDDEN);
        Checks.range("heads", heads, MAX_HEADS);
        Checks.range("kv_heads", kvHeads, MAX_HEADS);
        Checks.range("ffn_hidden", ffnHidden, MAX_FFN_HIDDEN);
        if (vocab > MAX_VOCAB) {
            throw new IllegalArgumentException("Invalid vocab: " + vocab + " (must be at most " + MAX_VOCAB + ")");
        }
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
        // the sizes the defaults derive from, first: a default computed from an unbounded width would overflow
        Checks.range("layers", layers, MAX_LAYERS);
        Checks.range("hidden", hidden, MAX_HIDDEN);
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
        // checked: the field bounds keep this below 2^47, and an overflow must never pass silently
        long total = Math.multiplyExact(layers, layerParameters());
        switch (family) {
            case GPT -> total += Math.multiplyExact(vocab + positions(seqLen), h) + 2 * h;
            case BERT -> total += Math.multiplyExact(vocab + positions(seqLen), h) + 2 * h + 2 * h + h * h + h;
            case LLAMA -> total += Math.multiplyExact(2L * vocab, h) + h;
            case MLP -> { }
        }
        return total;
    }
}
