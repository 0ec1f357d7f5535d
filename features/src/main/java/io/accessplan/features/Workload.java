package io.accessplan.features;

/**
 * What a training job is: a model, how it is trained, and on which GPU.
 *
 * @param model    architecture
 * @param training training configuration
 * @param device   the GPU
 */
public record Workload(ModelSpec model, TrainingConfig training, DeviceProfile device) {

    /** Validates that the parts fit together. */
    public Workload {
        if (model == null || training == null || device == null) {
            throw new IllegalArgumentException("Invalid workload: model, training and device are required");
        }
        if (!device.supports(training.precision())) {
            throw new IllegalArgumentException("Invalid precision: " + training.precision().id()
                    + " (not supported by device " + device.name() + ")");
        }
        double bytes = stepBytesBound(model, training);
        if (bytes > MAX_STEP_BYTES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "Invalid workload: about %.3g bytes of"
                    + " activations and model state in a step (layers %d x seq_len %d x batch %d x hidden %d%s), more than"
                    + " the bound 2^56 = %.3g", bytes, model.layers(), training.seqLen(), training.batch(), model.hidden(),
                    training.attention() == AttentionKind.NAIVE ? " and naive attention's seq_len^2 x heads scores" : "",
                    (double) MAX_STEP_BYTES));
        }
    }

    /**
     * The bound on {@link #stepBytesBound}: 2^56 bytes (64 PiB, a million times the largest GPU). Every
     * byte count of a plan (each tensor, the peak, the traffic of up to 8 micro-batches with recomputation)
     * is a small multiple of this bound, so it stays below 2^63 and never overflows a long.
     */
    public static final long MAX_STEP_BYTES = 1L << 56;

    /**
     * A generous upper bound, in double precision, on the bytes one training step allocates: 16 bytes per
     * parameter of model state [ZeRO], 4 bytes for each of 40 hidden-wide and 4 ffn-wide values per token
     * and layer, naive attention's score, softmax and dropout matrices, and the logits.
     */
    static double stepBytesBound(ModelSpec m, TrainingConfig t) {
        double tokens = (double) t.seqLen() * t.batch();
        double perLayer = tokens * (40.0 * m.hidden() + 4.0 * m.ffnHidden());
        if (t.attention() == AttentionKind.NAIVE && m.family().hasAttention()) {
            perLayer += 3.0 * t.batch() * m.heads() * (double) t.seqLen() * t.seqLen();
        }
        double params = 12.0 * m.layers() * ((double) m.hidden() * m.hidden() + (double) m.hidden() * m.ffnHidden())
                + 2.0 * m.vocab() * m.hidden();
        return 4.0 * m.layers() * perLayer + 16.0 * params + 8.0 * tokens * m.vocab();
    }

    /** Parameters of the model at this sequence length. */
    public long parameters() {
        return model.parameters(training.seqLen());
    }

    /**
     * Stable identifier: FNV-1a 64 hash of the canonical workload fields (model, training,
     * device name), in hex. Equal workloads always get the same id, across runs and machines.
     */
    public String id() {
        return Fnv1a.hex64(canonical());
    }

    /** Stable identifier of the architecture alone (grouping key for cross-validation). */
    public String architectureId() {
        return Fnv1a.hex64(model.family().id() + "|" + model.layers() + "|" + model.hidden() + "|" + model.heads()
                + "|" + model.kvHeads() + "|" + model.ffnHidden() + "|" + model.vocab());
    }

    /** The canonical text the id hashes; the default mixed precision adds nothing, so ids from before it stay. */
    public String canonical() {
        ModelSpec m = model;
        TrainingConfig t = training;
        return m.family().id() + "|" + m.layers() + "|" + m.hidden() + "|" + m.heads() + "|" + m.kvHeads()
                + "|" + m.ffnHidden() + "|" + m.vocab() + "|" + t.seqLen() + "|" + t.batch() + "|"
                + t.precision().id() + "|" + t.optimizer().id() + "|" + t.attention().id() + "|" + device.name()
                + (t.mixedPrecision() == MixedPrecision.MASTER ? "" : "|" + t.mixedPrecision().id());   // the default keeps older ids
    }
}
