package io.accessplan.features;

/** Workloads shared by the tests. */
public final class Fixtures {
    private Fixtures() {
    }

    /** A device by catalog name. */
    public static DeviceProfile device(String name) {
        return DeviceCatalog.builtin().get(name);
    }

    /** A workload with Adam on the H100 unless said otherwise. */
    public static Workload workload(ModelSpec m, int seq, int batch, Precision p, AttentionKind a) {
        return new Workload(m, new TrainingConfig(seq, batch, p, OptimizerKind.ADAM, a), device("h100-sxm-80gb"));
    }

    /** GPT-2 small with its published sizes. */
    public static ModelSpec gpt2Small() {
        return ModelSpec.of(Family.GPT, 12, 768, 12, null, null, 50257);
    }

    /** Llama-2-7B with its published sizes. */
    public static ModelSpec llama2_7b() {
        return ModelSpec.of(Family.LLAMA, 32, 4096, 32, null, 11008, 32000);
    }

    /** BERT-large. */
    public static ModelSpec bertLarge() {
        return ModelSpec.of(Family.BERT, 24, 1024, 16);
    }
}
