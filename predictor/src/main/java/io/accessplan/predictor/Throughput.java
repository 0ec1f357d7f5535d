package io.accessplan.predictor;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Throughput as users count it, for one strategy's step time: samples and tokens per second, and
 * model and hardware FLOPs utilization.
 *
 * <p><b>Model FLOPs</b> per token are those of the PaLM paper [1, appendix B]: {@code 6N + 12 L h s},
 * with N the parameters that take part in a matrix multiply (each costs 2 FLOPs per token forward
 * and 4 backward), and {@code 12 L h s} the attention scores and their weighted sum of values (two
 * matrix products of {@code 2 s h} FLOPs per token and layer forward, twice that backward; PaLM writes
 * it {@code 12 L H Q T} with {@code H Q = h} query heads times head width, so grouped-query attention
 * does not change it). N leaves out what is only looked up, never multiplied: position embeddings,
 * token-type embeddings, and the input token embedding where the output head has its own matrix
 * (Llama), as torchtitan leaves out its {@code nn.Embedding} modules [3]; a tied embedding (GPT-2,
 * BERT; PaLM's own [1]) is also the output head's matrix, multiplied for every token, and counts. For a
 * GPT this is Korthikanti et al.'s
 * {@code 72 B s l h^2 (1 + s/6h + V/12hl)} per step [2, appendix] up to biases and norms. The
 * {@code mlp} family has no attention term and counts each row as a token.
 *
 * <p><b>Hardware FLOPs</b> add what the strategy computes twice [2, section 6]: full and sqrt(L)
 * checkpointing run the forward of every checkpointed layer again ({@code 2 P_layer + 4 h s} per token
 * and layer: Korthikanti's {@code 96 B s l h^2 (1 + s/6h + V/16hl)} for full recomputation); selective
 * recomputation, as the planner schedules it (scores, softmax, dropout: {@code ActivationPolicy.SELECTIVE}),
 * reruns one matrix product, the scores {@code QK^T} ({@code 2 h s} per token and layer), since the
 * product with V keeps its output for the projection's backward. Keeping or offloading
 * activations recomputes nothing, so there MFU equals HFU. Both count matrix products only, as the
 * papers do; the planner's own {@code recompute_flops} adds the elementwise kernels too.
 *
 * <p><b>Utilization</b> = FLOPs per step / step time / the device's dense peak for the precision
 * ({@link io.accessplan.features.DeviceProfile#peakTflops}: tensor-core fp16/bf16 for mixed precision,
 * TF32 where the device has it for fp32, from the datasheets without sparsity).
 *
 * <p>References: [1] A. Chowdhery et al., PaLM: Scaling Language Modeling with Pathways,
 * arXiv:2204.02311 (2022), appendix B "Compute usage and environmental impact" (MFU).
 * [2] V. Korthikanti et al., Reducing Activation Recomputation in Large Transformer Models,
 * MLSys 2023, arXiv:2205.05198: section 6 (MFU and HFU) and the appendix's FLOPs calculation.
 * [3] pytorch/torchtitan v0.2.2, {@code torchtitan/models/utils.py}, {@code get_dense_model_nparams_and_flops}:
 * {@code 6 * (nparams - nparams_embedding) + 6 * n_layers * n_heads * head_dims * seq_len}, head_dims the
 * query plus value head widths.
 *
 * @param samplesPerSecond samples per second
 * @param tokensPerSecond  tokens per second; NaN for the {@code mlp} family, which has no tokens
 * @param mfu              model FLOPs utilization, a fraction
 * @param hfu              hardware FLOPs utilization (recomputation included), a fraction
 */
public record Throughput(double samplesPerSecond, double tokensPerSecond, double mfu, double hfu) {

    /** The figures of a strategy whose step takes {@code stepTimeMs}. */
    public static Throughput of(Workload w, Strategy s, double stepTimeMs) {
        s.checkValidFor(w);
        return new OfWorkload(w).of(s, stepTimeMs);
    }

    /**
     * The figures of many strategies of one workload ({@link #of(Workload, Strategy, double)} for
     * one), with everything that depends on the workload alone (tokens, peak, model FLOPs, the
     * recomputed FLOPs of a layer) computed once. For strategies already checked valid for the
     * workload (a lookup's predictions).
     */
    static final class OfWorkload {
        private final int layers;
        private final int batch;
        private final long tokens;
        private final double peak;
        private final double modelFlopsPerToken;
        private final boolean sequence;
        /** The attention products' FLOPs per token of a layer, and a recomputed layer's forward's. */
        private final double attention;
        private final double layerForward;

        OfWorkload(Workload w) {
            ModelSpec m = w.model();
            this.layers = m.layers();
            this.batch = w.training().batch();
            this.tokens = w.training().tokens();
            this.peak = w.device().peakTflops(w.training().precision()) * 1e12;
            this.modelFlopsPerToken = modelFlopsPerToken(w);
            this.sequence = m.family().hasAttention();
            double attention = m.family().hasAttention() ? 4.0 * m.hidden() * w.training().seqLen() : 0;
            this.attention = attention;
            this.layerForward = 2.0 * m.layerParameters() + attention;
        }

        /** The figures of strategy {@code s} at {@code stepTimeMs}. */
        Throughput of(Strategy s, double stepTimeMs) {
            if (!(stepTimeMs > 0)) {
                throw new IllegalArgumentException("Invalid step time: " + stepTimeMs + " ms");
            }
            double seconds = stepTimeMs / 1e3;
            double model = modelFlopsPerToken * tokens;
            double hardware = model + recomputeFlopsPerToken(s) * tokens;
            return new Throughput(batch / seconds, sequence ? tokens / seconds : Double.NaN,
                    model / seconds / peak, hardware / seconds / peak);
        }

        /** FLOPs per token strategy {@code s} computes again in backward (matrix products only) [2]. */
        double recomputeFlopsPerToken(Strategy s) {
            ActivationPolicy p = s.policy();
            // Realisation's counts: the layers the policy covers, and those recomputed
            int policyLayers = p == ActivationPolicy.KEEP ? 0 : s.appliedLayers(layers);
            if (p == ActivationPolicy.SELECTIVE) {
                // the scores product QK^T again (softmax and dropout are elementwise); the product with V
                // is not rerun, its output is kept for the projection's backward
                return policyLayers * attention / 2;
            }
            return (p == ActivationPolicy.FULL || p == ActivationPolicy.SQRT ? policyLayers : 0) * layerForward;
        }
    }

    /** Model FLOPs per token, {@code 6N + 12 L h s} [1]: forward and backward, no recomputation. */
    public static double modelFlopsPerToken(Workload w) {
        ModelSpec m = w.model();
        double attention = m.family().hasAttention() ? 12.0 * m.layers() * m.hidden() * w.training().seqLen() : 0;
        return 6.0 * matmulParameters(w) + attention;
    }

    /** FLOPs per token a strategy computes again in backward (matrix products only) [2]. */
    public static double recomputeFlopsPerToken(Workload w, Strategy s) {
        s.checkValidFor(w);
        return new OfWorkload(w).recomputeFlopsPerToken(s);
    }

    /** Parameters that take part in a matrix multiply: all but the embeddings that are only looked up. */
    public static long matmulParameters(Workload w) {
        ModelSpec m = w.model();
        long h = m.hidden();
        long lookedUp = switch (m.family()) {
            case GPT -> m.positions(w.training().seqLen()) * h;
            // positions and the two token-type rows (ModelSpec.parameters counts 2h of them)
            case BERT -> m.positions(w.training().seqLen()) * h + 2 * h;
            case LLAMA -> (long) m.vocab() * h;
            case MLP -> 0;
        };
        return w.parameters() - lookedUp;
    }

    /**
     * A positive rate with enough digits to read: whole numbers from 100 up ({@code 2267}), three
     * significant digits below ({@code 12.3}, {@code 0.277}, {@code 0.000412}), so a strategy that
     * runs never reads as 0.
     */
    public static String readable(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        if (Math.abs(v) >= 100) {
            return AccessPlanner.fixedExact(v, 0);   // String.format's "%.0f", without its cost
        }
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** A fraction as a percent with one decimal ({@code 41.2%}). */
    public static String percent(double fraction) {
        return AccessPlanner.fixedExact(100 * fraction, 1) + "%";   // String.format's "%.1f%%"
    }
}
