package io.accessplan.predictor.emit;

import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Workload;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Megatron-LM flags ({@code megatron/training/arguments.py}): {@code --micro-batch-size} and
 * {@code --global-batch-size} (on one GPU the global batch over the micro-batch is the number of
 * micro-batches), {@code --bf16}/{@code --fp16}, the recomputation and offload flags, and the
 * optimizer CPU offload, which its argument checks accept only with {@code --use-precision-aware-optimizer}
 * (itself only with the distributed optimizer and Adam).
 */
final class MegatronRenderer implements Renderer {
    @Override
    public String cannot(Workload w, Realisation r) {
        if (r.optimizerOffload() && w.training().optimizer() != OptimizerKind.ADAM) {
            return "its optimizer CPU offload needs --use-precision-aware-optimizer, which supports Adam only";
        }
        return null;
    }

    @Override
    public String render(Workload w, Realisation r, Activation activation, List<String> notes) {
        List<String> args = new ArrayList<>();
        args.add("--micro-batch-size " + r.microBatchSize());
        args.add("--global-batch-size " + r.batch());
        Precision p = w.training().precision();
        if (p != Precision.FP32) {
            args.add(p == Precision.BF16 ? "--bf16" : "--fp16");
        }
        for (Map.Entry<String, Object> e : activation.settings().entrySet()) {
            args.add(e.getValue() instanceof Boolean ? e.getKey() : e.getKey() + " " + e.getValue());
        }
        if (r.optimizerOffload()) {
            args.add("--use-distributed-optimizer");
            args.add("--use-precision-aware-optimizer");
            args.add("--optimizer-cpu-offload");
            args.add("--optimizer-offload-fraction 1.0");
        }
        return String.join(" ", args);
    }
}
