package io.accessplan.features.plan;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.List;

/**
 * The operations of one training step in program order, with the tensors they use.
 *
 * <p>Operations {@code [0, bodyEnd)} are one micro-batch (forward, recompute, backward); a step
 * runs that body {@link #repeats()} times (gradient accumulation), then the operations
 * {@code [bodyEnd, size)} (the optimizer) once. Static tensors (context, workspace, weights,
 * gradients, optimizer state, pinned host buffers) are allocated before the step and live
 * throughout; every other tensor is allocated and freed by ALLOC and FREE operations of the
 * body, which frees everything it allocates.
 *
 * <p>Operations on different streams are ordered only through {@link Op#waitFor()}; operations on
 * one stream run in program order.
 */
public final class Schedule {
    private final Workload workload;
    private final Strategy strategy;
    private final List<Tensor> tensors;
    private final List<Op> ops;
    private final int bodyEnd;
    private final int[] statics;
    private final long activationBytesPerLayer;
    private volatile Plan plan;

    Schedule(Workload workload, Strategy strategy, List<Tensor> tensors, List<Op> ops, int bodyEnd, int[] statics,
             long activationBytesPerLayer) {
        this.workload = workload;
        this.strategy = strategy;
        this.tensors = tensors;
        this.ops = ops;
        this.bodyEnd = bodyEnd;
        this.statics = statics;
        this.activationBytesPerLayer = activationBytesPerLayer;
    }

    /** The workload this schedule trains. */
    public Workload workload() {
        return workload;
    }

    /** The strategy this schedule follows. */
    public Strategy strategy() {
        return strategy;
    }

    /** Every tensor, by id. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** Every operation, in program order. */
    public List<Op> ops() {
        return ops;
    }

    /** End (exclusive) of the micro-batch body; the optimizer tail follows. */
    public int bodyEnd() {
        return bodyEnd;
    }

    /** How many times the body runs per step: the number of micro-batches. */
    public int repeats() {
        return strategy.microBatches();
    }

    /** Ids of the tensors allocated before the step and alive throughout. */
    public int[] staticTensors() {
        return statics.clone();
    }

    /** Id of the working weights on the device. */
    public int weights() {
        return staticTensor(MemoryCategory.WEIGHTS, Location.DEVICE);
    }

    /** Id of the weight gradients on the device. */
    public int gradients() {
        return staticTensor(MemoryCategory.GRADIENTS, Location.DEVICE);
    }

    /** Id of the pinned host copy of the gradients the host optimizer reads, or -1 without optimizer offload. */
    public int hostGradients() {
        return staticTensor(MemoryCategory.GRADIENTS, Location.HOST);
    }

    /** Id of the optimizer state, on the device or, with optimizer offload, on the host. */
    public int optimizerState() {
        int d = staticTensor(MemoryCategory.OPTIMIZER, Location.DEVICE);
        return d >= 0 ? d : staticTensor(MemoryCategory.OPTIMIZER, Location.HOST);
    }

    /** The static tensor of a category at a location (the planner makes at most one of each model-state kind). */
    private int staticTensor(MemoryCategory category, Location location) {
        for (int id : statics) {
            Tensor t = tensors.get(id);
            if (t.category() == category && t.location() == location) {
                return id;
            }
        }
        return -1;
    }

    /** Activation bytes a layer keeps under this strategy's policy (averaged over layers for sqrt). */
    public long activationBytesPerLayer() {
        return activationBytesPerLayer;
    }

    /** The analytic summary computed from this schedule (memoized). */
    public Plan plan() {
        Plan p = plan;
        if (p == null) {
            p = Plan.of(this);
            plan = p;
        }
        return p;
    }
}
