package io.accessplan.cuda;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;

/** Small workloads shared by the tests: every family, both attention kinds, grouped-query attention. */
public final class Workloads {
    private Workloads() {
    }

    /** A workload on the catalog's H100. */
    public static Workload of(ModelSpec m, int seq, int batch, Precision p, OptimizerKind o, AttentionKind a) {
        return new Workload(m, new TrainingConfig(seq, batch, p, o, a), DeviceCatalog.builtin().get("h100-sxm-80gb"));
    }

    /** A three-layer GPT, fp16, naive attention. */
    public static Workload tinyGpt() {
        return of(ModelSpec.of(Family.GPT, 3, 64, 4, null, null, 512), 32, 4, Precision.FP16, OptimizerKind.ADAM,
                AttentionKind.NAIVE);
    }

    /** A three-layer Llama with grouped-query attention, bf16, fused attention, SGD. */
    public static Workload tinyLlama() {
        return of(ModelSpec.of(Family.LLAMA, 3, 64, 4, 2, 128, 512), 32, 4, Precision.BF16, OptimizerKind.SGD,
                AttentionKind.FUSED);
    }

    /** A two-layer BERT in fp32, naive attention. */
    public static Workload tinyBert() {
        return of(ModelSpec.of(Family.BERT, 2, 64, 4, null, null, 512), 32, 4, Precision.FP32, OptimizerKind.ADAM,
                AttentionKind.NAIVE);
    }

    /** A four-layer MLP in fp32. */
    public static Workload tinyMlp() {
        return of(ModelSpec.of(Family.MLP, 4, 64, 1, null, null, 0), 16, 4, Precision.FP32, OptimizerKind.ADAM,
                AttentionKind.NAIVE);
    }
}
