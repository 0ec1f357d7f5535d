package io.accessplan.predictor.emit;

import io.accessplan.features.Precision;
import io.accessplan.features.Workload;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Hugging Face Transformers {@code TrainingArguments} keyword arguments (transformers 5.18.0
 * {@code training_args.py}): {@code per_device_train_batch_size}, {@code gradient_accumulation_steps},
 * {@code gradient_checkpointing} (and its kwargs), {@code bf16}/{@code fp16}, {@code tf32} for fp32 on
 * TF32 tensor cores, and for optimizer offload {@code deepspeed}, which takes a DeepSpeed config as a
 * dict: the Trainer has no optimizer offload of its own.
 */
final class HfRenderer implements Renderer {
    @Override
    public String render(Workload w, Realisation r, Activation activation, List<String> notes) {
        Map<String, Object> kw = new LinkedHashMap<>();
        kw.put("per_device_train_batch_size", r.microBatchSize());
        kw.put("gradient_accumulation_steps", r.microBatches());
        kw.putAll(activation.settings());
        Precision p = w.training().precision();
        if (p == Precision.BF16) {
            kw.put("bf16", true);
        } else if (p == Precision.FP16) {
            kw.put("fp16", true);
        } else if (w.device().tf32Tflops() > 0) {
            kw.put("tf32", true);
        }
        if (r.optimizerOffload()) {
            // "auto": the Trainer fills these from its own arguments (transformers integrations/deepspeed.py
            // fill_match); a key left out stays out, and DeepSpeed then needs the batch keys from elsewhere
            Map<String, Object> ds = new LinkedHashMap<>();
            ds.put("train_micro_batch_size_per_gpu", "auto");
            ds.put("gradient_accumulation_steps", "auto");
            ds.put("train_batch_size", "auto");
            if (p.mixed()) {
                ds.put(p == Precision.BF16 ? "bf16" : "fp16", Map.of("enabled", "auto"));
            }
            ds.put("zero_optimization", DeepSpeedRenderer.zero(true));
            kw.put("deepspeed", ds);
            notes.add("the deepspeed dict makes the Trainer run ZeRO-Offload; launch with the deepspeed launcher");
        }
        StringBuilder sb = new StringBuilder("from transformers import TrainingArguments\n\nargs = TrainingArguments(\n");
        for (Map.Entry<String, Object> e : kw.entrySet()) {
            sb.append("    ").append(e.getKey()).append('=').append(literal(e.getValue())).append(",\n");
        }
        return sb.append(")\n").toString();
    }

    /** A Python literal of a boolean, number, string or map. */
    static String literal(Object v) {
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> literal(e.getKey()) + ": " + literal(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        return String.valueOf(v);
    }
}
