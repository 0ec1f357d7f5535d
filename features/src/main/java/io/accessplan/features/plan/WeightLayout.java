package io.accessplan.features.plan;

import io.accessplan.features.Family;
import io.accessplan.features.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * The weights a model's kernels use, in the order of the flat weights buffer, read off the same
 * section templates the planner expands ({@link Section}): each weight GEMM's {@code k x n}
 * operand, each norm's scale (and shift, but for RMSNorm), the token embedding. Named like the
 * operations that use them ({@code L3.mlp.fc1}, {@code L3.norm1.gamma}, {@code embedding}).
 * GPT and BERT tie the output head to the embedding, so theirs has no slice of its own. What the
 * planner counts beyond these (biases, learned positions, BERT's embedding norm and pooler:
 * {@code ModelSpec.parameters}) follows them in the buffer, unused by the kernels.
 */
public final class WeightLayout {

    /**
     * One weight.
     *
     * @param name     the name the kernels look it up by
     * @param elements its elements
     * @param scale    whether it is a norm scale (initialised to one)
     */
    public record Weight(String name, long elements, boolean scale) {
    }

    private final List<Weight> weights;

    private WeightLayout(List<Weight> weights) {
        this.weights = List.copyOf(weights);
    }

    /** The layout of a workload's model. */
    public static WeightLayout of(Workload w) {
        List<Weight> out = new ArrayList<>();
        Section layer = Section.layer(w, 1);   // weight shapes do not depend on the batch
        for (int l = 0; l < w.model().layers(); l++) {
            add(out, layer, "L" + l + ".", w);
        }
        add(out, Section.embedding(w, 1), "", w);
        add(out, Section.head(w, 1), "", w);
        return new WeightLayout(out);
    }

    private static void add(List<Weight> out, Section s, String prefix, Workload w) {
        long h = w.model().hidden();
        boolean rms = w.model().family() == Family.LLAMA;
        for (Section.F f : s.ops) {
            OpTemplate t = f.template();
            switch (t) {
                case LN1, RMS1 -> norm(out, prefix + "norm1", h, rms);
                case LN2, RMS2 -> norm(out, prefix + "norm2", h, rms);
                case FINAL_NORM -> norm(out, prefix + "final_norm", h, rms);
                case EMBEDDING -> out.add(new Weight(prefix + "embedding", (long) w.model().vocab() * h, false));
                case LM_HEAD -> {
                    if (w.model().family() == Family.LLAMA) {   // the others tie it to the embedding
                        out.add(new Weight(prefix + t.id(), (long) f.k() * f.n(), false));
                    }
                }
                default -> {
                    if (f.kind() == OpKind.GEMM && f.weight()) {
                        out.add(new Weight(prefix + t.id(), (long) f.k() * f.n(), false));
                    }
                }
            }
        }
    }

    private static void norm(List<Weight> out, String name, long h, boolean rms) {
        out.add(new Weight(name + ".gamma", h, true));
        if (!rms) {
            out.add(new Weight(name + ".beta", h, false));
        }
    }

    /** Every weight, in buffer order. */
    public List<Weight> weights() {
        return weights;
    }
}
