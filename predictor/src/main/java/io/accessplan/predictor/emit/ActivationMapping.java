package io.accessplan.predictor.emit;

import io.accessplan.predictor.Realisation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one table from activation policies to each framework's own settings: one case per policy,
 * each listing every framework (the compiler checks none is missing), so a new policy kind is added
 * here and nowhere else. Layer counts come from {@link Realisation#policyLayers()}, so a partial
 * policy ({@code full:12}) maps to the frameworks' layer-count options where they have one.
 *
 * <p>Sources of the option names (see {@link Framework}): Hugging Face {@code gradient_checkpointing}
 * and {@code gradient_checkpointing_kwargs} ({@code every_n_layers} checkpoints layers with
 * {@code index % n == 0}; {@code offload} keeps the checkpointed inputs on the host and still
 * recomputes); DeepSpeed's {@code activation_checkpointing} section (it configures
 * {@code deepspeed.checkpointing.checkpoint}, which the model calls); Megatron's
 * {@code recompute_granularity}, {@code recompute_method}, {@code recompute_num_layers},
 * {@code recompute_modules} ({@code TransformerConfig}) and {@code cpu_offloading_num_layers}
 * ({@code ModelParallelConfig}: fewer than the model's layers; it turns {@code cpu_offloading} on);
 * torchtitan's {@code [activation_checkpoint] mode} and {@code selective_ac_option} (an integer n
 * checkpoints the layers whose 1-based index is a multiple of n,
 * {@code torchtitan/distributed/activation_checkpoint.py}); PyTorch's
 * {@code torch.utils.checkpoint.checkpoint}, {@code checkpoint_sequential} and
 * {@code torch.autograd.graph.save_on_cpu}.
 */
final class ActivationMapping {
    private ActivationMapping() {
    }

    /**
     * What a framework sets for a policy: settings by name (a framework's keys or flags; for
     * PyTorch the code of the layer loop under {@code "loop"} and of a helper under {@code "helper"}),
     * or why it cannot, and an optional note on using the settings.
     *
     * @param settings settings by name, in order (empty when nothing is set or when it cannot)
     * @param cannot   why the framework cannot express the policy, or null
     * @param note     how to use the settings, or null
     */
    record Activation(Map<String, Object> settings, String cannot, String note) {
        static Activation of(Object... keysAndValues) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                m.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
            return new Activation(m, null, null);
        }

        static Activation cannot(String why) {
            return new Activation(Map.of(), why, null);
        }

        Activation withNote(String n) {
            return new Activation(settings, cannot, n);
        }
    }

    /** The settings of a framework for the realisation's activation policy. */
    static Activation map(Framework f, Realisation r) {
        int l = r.layers();
        int n = r.policyLayers();
        boolean all = n == l;
        return switch (r.policy()) {
            case KEEP -> switch (f) {
                case HF -> Activation.of("gradient_checkpointing", false);
                case DEEPSPEED, MEGATRON -> Activation.of();
                case TORCHTITAN -> Activation.of("mode", "none");
                case PYTORCH -> Activation.of("loop", """
                        for layer in model.layers:
                            x = layer(x)""");
            };
            case SELECTIVE -> switch (f) {
                case HF -> Activation.cannot("its gradient checkpointing recomputes whole layers; it has no"
                        + " recomputation of the attention core alone");
                case DEEPSPEED -> Activation.cannot("its activation checkpointing recomputes whole checkpointed"
                        + " functions; no config key recomputes the attention core alone");
                case MEGATRON -> all
                        ? Activation.of("--recompute-granularity", "selective", "--recompute-modules", "core_attn")
                        .withNote(RERUNS_PV)
                        : Activation.cannot("its selective recomputation always covers every layer");
                case TORCHTITAN -> Activation.cannot("its selective modes checkpoint every n-th layer or keep the"
                        + " matmul outputs of every op; neither recomputes the attention core alone");
                case PYTORCH -> Activation.of("helper", """
                        # in each layer's attention: scores, softmax and dropout are recomputed in backward
                        def attention_core(q, k, v):
                            p = torch.softmax(q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5, dim=-1)
                            return p @ v  # with the model's attention dropout applied to p, if it has one

                        # ctx = checkpoint(attention_core, q, k, v, use_reentrant=False)""",
                        "loop", (all ? "" : "# the attention of the first " + n + " layers only\n") + """
                        for layer in model.layers:
                            x = layer(x)""").withNote(RERUNS_PV);
            };
            case FULL -> switch (f) {
                case HF -> {
                    if (all) {
                        yield Activation.of("gradient_checkpointing", true);
                    }
                    int every = everyNth(l, n, true);
                    yield every > 0
                            ? Activation.of("gradient_checkpointing", true, "gradient_checkpointing_kwargs",
                            Map.of("every_n_layers", every))
                            : Activation.cannot("every_n_layers=k checkpoints ceil(" + l + "/k) layers, and no k gives " + n);
                }
                case DEEPSPEED -> Activation.of("activation_checkpointing", checkpointing(n)).withNote(
                        "activation_checkpointing configures deepspeed.checkpointing.checkpoint: the model wraps "
                                + (all ? "each of its " + l + " layers" : n + " of its " + l + " layers") + " in it"
                                + " (Megatron-DeepSpeed: --checkpoint-activations; Transformers: gradient_checkpointing)");
                case MEGATRON -> all
                        ? Activation.of("--recompute-granularity", "full", "--recompute-method", "uniform",
                        "--recompute-num-layers", 1)
                        : Activation.of("--recompute-granularity", "full", "--recompute-method", "block",
                        "--recompute-num-layers", n);
                case TORCHTITAN -> {
                    if (all) {
                        yield Activation.of("mode", "full");
                    }
                    int every = everyNth(l, n, false);
                    yield every > 0
                            ? Activation.of("mode", "selective", "selective_ac_option", Integer.toString(every))
                            : Activation.cannot("selective_ac_option=k checkpoints floor(" + l + "/k) layers, and no k gives " + n);
                }
                case PYTORCH -> Activation.of("loop", all ? """
                        for layer in model.layers:
                            x = checkpoint(layer, x, use_reentrant=False)""" : """
                        for i, layer in enumerate(model.layers):
                            x = checkpoint(layer, x, use_reentrant=False) if i < %d else layer(x)""".formatted(n));
            };
            case SQRT -> switch (f) {
                case HF -> Activation.cannot("its gradient checkpointing checkpoints single layers, not segments of "
                        + r.segmentLayers() + " layers");
                case DEEPSPEED -> Activation.of("activation_checkpointing", checkpointing(r.segments())).withNote(
                        "activation_checkpointing configures deepspeed.checkpointing.checkpoint: the model wraps each of "
                                + r.segments() + " segments of " + r.segmentLayers() + " consecutive layers in it");
                case MEGATRON -> Activation.of("--recompute-granularity", "full", "--recompute-method", "uniform",
                        "--recompute-num-layers", r.segmentLayers());
                case TORCHTITAN -> Activation.cannot("it checkpoints single layers (every n-th), not segments of "
                        + r.segmentLayers() + " layers");
                case PYTORCH -> Activation.of("loop", """
                        # model.layers as an nn.Sequential: %d segments of up to %d layers
                        x = checkpoint_sequential(model.layers, %d, x, use_reentrant=False)""".formatted(
                        r.segments(), r.segmentLayers(), r.segments()));
            };
            case OFFLOAD -> switch (f) {
                case HF -> Activation.cannot("its gradient_checkpointing_kwargs offload keeps only the checkpointed"
                        + " layer inputs on the host and still recomputes the layers");
                case DEEPSPEED -> Activation.cannot("cpu_checkpointing keeps only checkpoint inputs on the host and still"
                        + " recomputes; offloading activations without recomputation (DeepCompile's offload_activation)"
                        + " needs a custom compile schedule, not a config key");
                case MEGATRON -> {
                    // Megatron refuses cpu_offloading_num_layers >= num_layers (TransformerConfig.__post_init__)
                    int layers = Math.min(n, l - 1);
                    if (layers < 1) {
                        yield Activation.cannot("it offloads fewer layers than the model has, and this model has " + l);
                    }
                    // arguments.py sets cpu_offloading itself when cpu_offloading_num_layers > 0 (no flag of its own)
                    Activation a = Activation.of("--cpu-offloading-num-layers", layers);
                    yield layers < n ? a.withNote("Megatron offloads at most L-1 = " + layers + " layers: the last"
                            + " layer's activations, the first the backward pass needs, stay on the device") : a;
                }
                case TORCHTITAN -> Activation.cannot("it has no activation offload setting");
                case PYTORCH -> Activation.of("loop", all ? """
                        with torch.autograd.graph.save_on_cpu(pin_memory=True):
                            for layer in model.layers:
                                x = layer(x)""" : """
                        with torch.autograd.graph.save_on_cpu(pin_memory=True):
                            for layer in model.layers[:%d]:
                                x = layer(x)
                        for layer in model.layers[%d:]:
                            x = layer(x)""".formatted(n, n));
            };
        };
    }

    /**
     * Checkpointing the attention core as a function reruns its product with V too, which the
     * strategy (and the model's prediction) does not: only the scores, softmax and dropout.
     */
    private static final String RERUNS_PV = "checkpointing the attention core reruns its product with V as well,"
            + " 2 s h FLOPs a token and layer beyond the strategy's scores, softmax and dropout (not in the prediction)";

    /** DeepSpeed's activation_checkpointing section, every documented key set. */
    private static Map<String, Object> checkpointing(int checkpoints) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partition_activations", false);
        m.put("cpu_checkpointing", false);
        m.put("contiguous_memory_optimization", false);
        m.put("number_checkpoints", checkpoints);
        m.put("synchronize_checkpoint_boundary", false);
        m.put("profile", false);
        return m;
    }

    /**
     * The k for which checking every k-th of {@code layers} layers covers exactly {@code n}: ceil(L/k)
     * layers when counting from index 0 (Transformers), floor(L/k) from 1 (torchtitan); 0 if none.
     */
    static int everyNth(int layers, int n, boolean fromZero) {
        for (int k = 1; k <= layers; k++) {
            int covered = fromZero ? (layers + k - 1) / k : layers / k;
            if (covered == n) {
                return k;
            }
        }
        return 0;
    }
}
