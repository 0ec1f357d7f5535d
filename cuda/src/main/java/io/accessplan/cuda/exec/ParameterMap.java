package io.accessplan.cuda.exec;

import io.accessplan.features.Family;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter matrix lives in the flat weights buffer (and, at the same offsets, in
 * the gradients buffer and the optimizer state). Slices are named like the operations that use
 * them ({@code L3.mlp.fc1}, {@code L3.norm1.gamma}, {@code embedding}). Biases and learned
 * position embeddings are counted by the planner but not used by the kernels: they stay in
 * the buffer untouched (and are still updated by the optimizer), so every byte the planner
 * counts is allocated and moved. GPT and BERT tie the output head to the embedding.
 */
public final class ParameterMap {
    /**
     * A slice of the parameters.
     *
     * @param offset first element
     * @param count  elements
     */
    public record Slice(long offset, long count) {
    }

    private final Map<String, Slice> slices = new LinkedHashMap<>();
    private final List<Slice> gammas = new ArrayList<>();
    private long used;

    /** The layout of a model's parameters. */
    public ParameterMap(ModelDims d) {
        long h = d.hidden();
        for (int l = 0; l < d.layers(); l++) {
            String p = "L" + l + ".";
            if (d.family() == Family.MLP) {
                add(p + "linear", h * h);
                continue;
            }
            norm(p + "norm1", d);
            add(p + "qkv", h * d.qkvWidth());
            add(p + "attn.proj", h * h);
            norm(p + "norm2", d);
            if (d.family() == Family.LLAMA) {
                add(p + "mlp.gate_up", h * 2L * d.ffn());
                add(p + "mlp.down", (long) d.ffn() * h);
            } else {
                add(p + "mlp.fc1", h * d.ffn());
                add(p + "mlp.fc2", (long) d.ffn() * h);
            }
        }
        if (d.family() != Family.MLP) {
            add("embedding", (long) d.vocab() * h);
            if (d.family() != Family.BERT) {
                norm("final_norm", d);
            }
            if (d.family() == Family.LLAMA) {
                add("lm_head", h * d.vocab());
            }
        }
        if (used > d.parameters()) {
            throw new IllegalStateException("parameter layout needs " + used + " elements, the model has "
                    + d.parameters());
        }
    }

    private void norm(String name, ModelDims d) {
        gammas.add(add(name + ".gamma", d.hidden()));
        if (!d.rmsNorm()) {
            add(name + ".beta", d.hidden());
        }
    }

    private Slice add(String name, long count) {
        Slice s = new Slice(used, count);
        slices.put(name, s);
        used += count;
        return s;
    }

    /** The slice of a name, or throws naming it. */
    public Slice get(String name) {
        Slice s = slices.get(name);
        if (s == null) {
            throw new IllegalArgumentException("Unknown parameter: " + name);
        }
        return s;
    }

    /** Whether a slice of that name exists. */
    public boolean has(String name) {
        return slices.containsKey(name);
    }

    /** Every slice, in layout order. */
    public Map<String, Slice> slices() {
        return Collections.unmodifiableMap(slices);
    }

    /** The norm scales, initialised to one. */
    public List<Slice> gammas() {
        return Collections.unmodifiableList(gammas);
    }

    /** Elements the kernels use (at most the model's parameters). */
    public long used() {
        return used;
    }
}
