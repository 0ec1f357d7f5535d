package io.accessplan.predictor.emit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.accessplan.features.Precision;
import io.accessplan.features.Workload;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DeepSpeed config JSON (https://www.deepspeed.ai/docs/config-json/): the batch keys
 * ({@code train_batch_size = train_micro_batch_size_per_gpu * gradient_accumulation_steps} on one
 * GPU), {@code bf16}/{@code fp16}, {@code zero_optimization} (optimizer offload is ZeRO-Offload:
 * stage 2 with {@code offload_optimizer} on the CPU, which also runs the update, Ren et al. 2021)
 * and {@code activation_checkpointing}.
 */
final class DeepSpeedRenderer implements Renderer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String render(Workload w, Realisation r, Activation activation, List<String> notes) {
        Map<String, Object> config = config(w, r, activation);
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the DeepSpeed config", e);
        }
    }

    /** The config as nested maps. */
    static Map<String, Object> config(Workload w, Realisation r, Activation activation) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("train_batch_size", r.batch());
        c.put("train_micro_batch_size_per_gpu", r.microBatchSize());
        c.put("gradient_accumulation_steps", r.microBatches());
        Precision p = w.training().precision();
        if (p == Precision.BF16) {
            c.put("bf16", Map.of("enabled", true));
        } else if (p == Precision.FP16) {
            c.put("fp16", Map.of("enabled", true));
        }
        c.put("zero_optimization", zero(r.optimizerOffload()));
        c.putAll(activation.settings());
        return c;
    }

    /** The zero_optimization section: ZeRO-Offload (stage 2, optimizer state and update on the CPU), or none. */
    static Map<String, Object> zero(boolean optimizerOffload) {
        Map<String, Object> z = new LinkedHashMap<>();
        z.put("stage", optimizerOffload ? 2 : 0);
        if (optimizerOffload) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("device", "cpu");
            o.put("pin_memory", true);
            z.put("offload_optimizer", o);
        }
        return z;
    }
}
