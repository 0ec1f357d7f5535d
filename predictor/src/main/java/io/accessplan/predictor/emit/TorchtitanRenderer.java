package io.accessplan.predictor.emit;

import io.accessplan.features.Precision;
import io.accessplan.features.Workload;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.List;
import java.util.Map;

/**
 * A torchtitan TOML job config (v0.2.2 {@code job_config.py}): {@code [training]} with
 * {@code local_batch_size} and {@code global_batch_size} (the trainer accumulates
 * {@code global / (local x data-parallel degree)} micro-batches, {@code train.py}),
 * {@code seq_len} and {@code mixed_precision_param}; {@code [activation_checkpoint]}.
 */
final class TorchtitanRenderer implements Renderer {
    @Override
    public String cannot(Workload w, Realisation r) {
        if (r.optimizerOffload()) {
            return "training.enable_cpu_offload moves parameters and gradients to the host with the optimizer"
                    + " state (FSDP CPU offload); it has no optimizer-only offload";
        }
        return null;
    }

    @Override
    public String render(Workload w, Realisation r, Activation activation, List<String> notes) {
        Precision p = w.training().precision();
        if (p == Precision.FP16) {
            notes.add("torchtitan has no fp16 mixed precision; bfloat16 is its nearest (the prediction is for fp16)");
        }
        StringBuilder sb = new StringBuilder("[training]\n");
        sb.append("local_batch_size = ").append(r.microBatchSize()).append('\n');
        sb.append("global_batch_size = ").append(r.batch()).append('\n');
        sb.append("seq_len = ").append(w.training().seqLen()).append('\n');
        sb.append("mixed_precision_param = \"").append(p == Precision.FP32 ? "float32" : "bfloat16").append("\"\n");
        sb.append("\n[activation_checkpoint]\n");
        for (Map.Entry<String, Object> e : activation.settings().entrySet()) {
            sb.append(e.getKey()).append(" = ").append(toml(e.getValue())).append('\n');
        }
        return sb.toString();
    }

    private static String toml(Object v) {
        return v instanceof String s ? '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : String.valueOf(v);
    }
}
