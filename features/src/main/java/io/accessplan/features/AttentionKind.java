package io.accessplan.features;

import java.util.Locale;

/** How attention is computed: whether the s x s score matrices are stored. */
public enum AttentionKind {
    /** Scores, softmax and dropout materialised, as in Korthikanti et al. 2022. */
    NAIVE,
    /** FlashAttention-style (Dao et al. 2022): tiles in SRAM, stores only row statistics. */
    FUSED;

    /** Parses a lower-case attention name. */
    public static AttentionKind parse(String s) {
        return Checks.parseEnum("attention", s, AttentionKind.class);
    }

    /** The lower-case name used on the command line and in the dataset. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
