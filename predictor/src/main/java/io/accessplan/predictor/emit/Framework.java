package io.accessplan.predictor.emit;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A training framework whose own settings a recommendation can be written in. Each names the
 * documentation its option names were taken from; the key and flag lists the tests check against
 * are checked in beside them ({@code src/test/resources/io/accessplan/predictor/emit/}).
 */
public enum Framework {
    /**
     * Hugging Face Transformers {@code TrainingArguments}, as Python keyword arguments. Field names
     * from {@code src/transformers/training_args.py} of transformers 5.18.0 (the reference page
     * https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments
     * is generated from it).
     */
    HF("hf", "Hugging Face Transformers", "python",
            "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments"),
    /** A DeepSpeed config JSON: https://www.deepspeed.ai/docs/config-json/ ({@code docs/_pages/config-json.md}). */
    DEEPSPEED("deepspeed", "DeepSpeed", "json", "https://www.deepspeed.ai/docs/config-json/"),
    /**
     * Megatron-LM command-line flags: {@code megatron/training/arguments.py}, whose dataclass-built
     * groups turn {@code TransformerConfig}, {@code ModelParallelConfig} and {@code TrainingConfig}
     * fields into {@code --field-name} flags.
     */
    MEGATRON("megatron", "Megatron-LM", "args",
            "https://github.com/NVIDIA/Megatron-LM/blob/main/megatron/training/arguments.py"),
    /**
     * A torchtitan TOML job config, as read by {@code torchtitan/config/manager.py} up to v0.2.2 (later
     * releases replaced TOML with Python configs); keys from {@code torchtitan/config/job_config.py}.
     */
    TORCHTITAN("torchtitan", "torchtitan", "toml",
            "https://github.com/pytorch/torchtitan/blob/v0.2.2/torchtitan/config/job_config.py"),
    /**
     * Plain PyTorch: {@code torch.utils.checkpoint} (https://docs.pytorch.org/docs/stable/checkpoint.html),
     * {@code torch.autograd.graph.save_on_cpu} (https://docs.pytorch.org/docs/stable/autograd.html), an
     * accumulation loop.
     */
    PYTORCH("pytorch", "PyTorch", "python", "https://docs.pytorch.org/docs/stable/checkpoint.html");

    private final String id;
    private final String displayName;
    private final String format;
    private final String docs;

    Framework(String id, String displayName, String format, String docs) {
        this.id = id;
        this.displayName = displayName;
        this.format = format;
        this.docs = docs;
    }

    /** The name on the command line and in batch files ({@code hf}, {@code deepspeed}, ...). */
    public String id() {
        return id;
    }

    /** The framework's own name. */
    public String displayName() {
        return displayName;
    }

    /** The form of its settings: {@code python}, {@code json}, {@code args} or {@code toml}. */
    public String format() {
        return format;
    }

    /** The documentation the option names come from. */
    public String docs() {
        return docs;
    }

    /** Parses a framework name; an unknown one is refused naming it and the known ones. */
    public static Framework parse(String s) {
        String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (Framework f : values()) {
            if (f.id.equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown framework: '" + s + "' (expected "
                + Arrays.stream(values()).map(Framework::id).collect(Collectors.joining(", ")) + ")");
    }
}
