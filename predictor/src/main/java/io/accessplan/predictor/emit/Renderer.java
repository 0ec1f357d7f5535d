package io.accessplan.predictor.emit;

import io.accessplan.features.Workload;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.List;

/**
 * Writes one framework's settings: the activation part from {@link ActivationMapping}, the rest
 * (micro-batching, precision, optimizer placement) in the framework's own words.
 */
interface Renderer {
    /** Why the framework cannot realise the part of the strategy besides activations, or null (it can). */
    default String cannot(Workload w, Realisation r) {
        return null;
    }

    /** The settings text; {@code notes} collects one-line notes on using it. */
    String render(Workload w, Realisation r, Activation activation, List<String> notes);

    /** The renderer of a framework. */
    static Renderer of(Framework f) {
        return switch (f) {
            case HF -> new HfRenderer();
            case DEEPSPEED -> new DeepSpeedRenderer();
            case MEGATRON -> new MegatronRenderer();
            case TORCHTITAN -> new TorchtitanRenderer();
            case PYTORCH -> new PytorchRenderer();
        };
    }
}
