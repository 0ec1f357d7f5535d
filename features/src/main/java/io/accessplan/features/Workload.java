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

    /** The canonical text the id hashes. */
    public String canonical() {
        ModelSpec m = model;
        TrainingConfig t = training;
        return m.family().id() + "|" + m.layers() + "|" + m.hidden() + "|" + m.heads() + "|" + m.kvHeads()
                + "|" + m.ffnHidden() + "|" + m.vocab() + "|" + t.seqLen() + "|" + t.batch() + "|"
                + t.precision().id() + "|" + t.optimizer().id() + "|" + t.attention().id() + "|" + device.name();
    }
}
