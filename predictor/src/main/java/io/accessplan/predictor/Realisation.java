package io.accessplan.predictor;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

/**
 * What a strategy does to one workload, in the terms training frameworks use: which activation
 * policy covers how many of the model's layers, how the step's samples split into micro-batches,
 * where the optimizer state lives. This is the one place a {@link Strategy} is decoded for
 * throughput figures and framework settings: when strategies gain a layer count ({@code full:12},
 * {@code offload:6}), {@link #of} reads it here and everything downstream (recomputed FLOPs, the
 * frameworks' layer-count options) follows.
 *
 * @param strategy         the strategy
 * @param policy           its activation policy
 * @param layers           the model's layers L
 * @param policyLayers     of those, how many the policy applies to (the rest keep their activations)
 * @param segmentLayers    layers per checkpoint segment: ceil(sqrt(L)) for {@code sqrt} (Chen et al. 2016, as the
 *                         planner's {@code Planner.segmentLength}), 1 otherwise
 * @param microBatches     micro-batches per optimizer step (gradient accumulation steps)
 * @param microBatchSize   samples per micro-batch
 * @param batch            samples per optimizer step
 * @param optimizerOffload whether the optimizer state and update live on the host
 */
public record Realisation(Strategy strategy, ActivationPolicy policy, int layers, int policyLayers, int segmentLayers,
                          int microBatches, int microBatchSize, int batch, boolean optimizerOffload) {

    /** Validates the counts. */
    public Realisation {
        if (policyLayers < 0 || policyLayers > layers) {
            throw new IllegalArgumentException("Invalid policy layer count: " + policyLayers + " of " + layers + " layers");
        }
        if (microBatches * microBatchSize != batch) {
            throw new IllegalArgumentException("Invalid micro-batching: " + microBatches + " x " + microBatchSize
                    + " is not the batch " + batch);
        }
    }

    /** Decodes a strategy for a workload; throws, naming both, if the strategy is not a candidate of it. */
    public static Realisation of(Workload w, Strategy s) {
        s.checkValidFor(w);
        int layers = w.model().layers();
        // a partial policy (full:12) covers its count of the first layers, the others all of them
        int policyLayers = s.policy() == ActivationPolicy.KEEP ? 0 : s.appliedLayers(layers);
        int segment = s.policy() == ActivationPolicy.SQRT ? (int) Math.ceil(Math.sqrt(layers)) : 1;
        int k = s.microBatches();
        int batch = w.training().batch();
        return new Realisation(s, s.policy(), layers, policyLayers, segment, k, batch / k, batch, s.optimizerOffload());
    }

    /** Whether the policy covers only some of the layers (a partial policy such as {@code full:12}). */
    public boolean partial() {
        return policyLayers > 0 && policyLayers < layers;
    }

    /** Checkpoint segments of a {@code sqrt} policy: ceil(L / segment length). */
    public int segments() {
        return (policyLayers + segmentLayers - 1) / segmentLayers;
    }

    /** Layers whose forward pass the backward pass runs again: all covered layers for full and sqrt, none otherwise. */
    public int recomputedLayers() {
        return policy == ActivationPolicy.FULL || policy == ActivationPolicy.SQRT ? policyLayers : 0;
    }
}
