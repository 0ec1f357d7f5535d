package io.accessplan.features;

import java.util.Locale;

/** The optimizer, which decides the optimizer state kept per parameter. */
public enum OptimizerKind {
    /** Adam: two fp32 moments per parameter (Kingma and Ba 2015). */
    ADAM(2),
    /** SGD with momentum: one fp32 momentum per parameter. */
    SGD(1);

    private final int moments;

    OptimizerKind(int moments) {
        this.moments = moments;
    }

    /** Number of fp32 state tensors per parameter, besides any master copy. */
    public int moments() {
        return moments;
    }

    /** Parses a lower-case optimizer name. */
    public static OptimizerKind parse(String s) {
        return Checks.parseEnum("optimizer", s, OptimizerKind.class);
    }

    /** The lower-case name used on the command line and in the dataset. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
