package io.accessplan.features.plan;

/** Where an operation runs: the device's compute stream, its copy stream, or host CPU threads. */
public enum StreamKind {
    /** The compute stream: every kernel. */
    COMPUTE,
    /** The copy stream: offload and prefetch copies, gradient and weight transfers. */
    COPY,
    /** Host CPU threads: the offloaded optimizer update. */
    HOST
}
