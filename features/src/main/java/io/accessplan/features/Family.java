package io.accessplan.features;

import java.util.Locale;

/** Architecture family of a model; it decides the layer template the planner uses. */
public enum Family {
    /** Decoder, LayerNorm, GeLU MLP of 4h, dropout, learned positions, tied output head. */
    GPT(50257),
    /** Decoder, RMSNorm, SwiGLU MLP, grouped-query attention, rotary positions, untied head. */
    LLAMA(32000),
    /** Encoder, LayerNorm, GeLU MLP of 4h, dropout, 512 learned positions, token types, pooler. */
    BERT(30522),
    /** A plain stack of linear layers with GeLU, no attention and no embedding. */
    MLP(0);

    private final int defaultVocab;

    Family(int defaultVocab) {
        this.defaultVocab = defaultVocab;
    }

    /** The vocabulary size used when none is given. */
    public int defaultVocab() {
        return defaultVocab;
    }

    /** Whether layers of this family have attention (and so a score matrix, heads, positions). */
    public boolean hasAttention() {
        return this != MLP;
    }

    /** Whether this family uses dropout after attention and MLP (so stores dropout masks). */
    public boolean hasDropout() {
        return this == GPT || this == BERT;
    }

    /**
     * Default FFN width: 4h for GPT and BERT; for Llama the SwiGLU width 2/3 * 4h rounded up
     * to a multiple of 256 (Touvron et al. 2023, as in the reference implementation's
     * {@code multiple_of}); h for MLP.
     */
    public int defaultFfnHidden(int hidden) {
        return switch (this) {
            case GPT, BERT -> 4 * hidden;
            case LLAMA -> {
                int f = (int) (2L * 4 * hidden / 3);
                yield (f + 255) / 256 * 256;
            }
            case MLP -> hidden;
        };
    }

    /** Parses a lower-case family name. */
    public static Family parse(String s) {
        return Checks.parseEnum("family", s, Family.class);
    }

    /** The lower-case name used on the command line and in the dataset. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
