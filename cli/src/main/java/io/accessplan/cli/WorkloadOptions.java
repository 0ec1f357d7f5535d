package io.accessplan.cli;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.MixedPrecision;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The workload flags, named like the dataset's columns (dashes for underscores). */
public final class WorkloadOptions {
    @Option(names = "--family", required = true, description = "gpt, llama, bert or mlp")
    String family;
    @Option(names = "--layers", required = true, description = "number of layers")
    int layers;
    @Option(names = "--hidden", required = true, description = "model width")
    int hidden;
    @Option(names = "--heads", description = "attention heads (default hidden/64; 1 for mlp)")
    Integer heads;
    @Option(names = "--kv-heads", description = "key/value heads (default: heads)")
    Integer kvHeads;
    @Option(names = "--ffn-hidden", description = "MLP width (default by family)")
    Integer ffnHidden;
    @Option(names = "--vocab", description = "vocabulary (default by family)")
    Integer vocab;
    @Option(names = "--seq-len", defaultValue = "1024", description = "tokens per sample (default ${DEFAULT-VALUE})")
    int seqLen;
    @Option(names = "--batch", defaultValue = "8", description = "samples per optimizer step (default ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--precision", defaultValue = "fp16", description = "fp32, fp16 or bf16 (default ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--mixed-precision", defaultValue = "master", description = "how fp16/bf16 keep their weights:"
            + " master (16-bit weights and gradients, fp32 master copy in the optimizer: Megatron, DeepSpeed) or"
            + " autocast (fp32 weights cast per op, fp32 norms and softmax: torch.autocast) (default ${DEFAULT-VALUE})")
    String mixedPrecision;
    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default ${DEFAULT-VALUE})")
    String optimizer;
    @Option(names = "--attention", defaultValue = "fused", description = "naive or fused (default ${DEFAULT-VALUE})")
    String attention;
    @Option(names = "--device", defaultValue = "h100-sxm-80gb", description = "GPU profile (default ${DEFAULT-VALUE})")
    String device;
    @Option(names = "--devices-file", description = "CSV of extra device profiles (columns of devices.csv)")
    Path devicesFile;

    /** The catalog with the user's profiles, if any. */
    DeviceCatalog catalog() {
        return DeviceCatalog.builtinWith(devicesFile);
    }

    /** The workload the flags describe; bad values throw naming the field. */
    Workload workload() {
        Family f = Family.parse(family);
        ModelSpec m = ModelSpec.of(f, layers, hidden, heads, kvHeads, ffnHidden, vocab);
        TrainingConfig t = new TrainingConfig(seqLen, batch, Precision.parse(precision), OptimizerKind.parse(optimizer),
                AttentionKind.parse(attention), MixedPrecision.parse(mixedPrecision));
        return new Workload(m, t, catalog().get(device));
    }
}
