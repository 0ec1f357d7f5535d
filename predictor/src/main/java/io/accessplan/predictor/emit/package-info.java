/**
 * A recommendation in the words of the framework that trains the model: Hugging Face Transformers
 * {@code TrainingArguments}, a DeepSpeed config, Megatron-LM flags, a torchtitan TOML config or a
 * plain PyTorch step ({@link io.accessplan.predictor.emit.FrameworkSettings}). One table
 * ({@code ActivationMapping}) maps each activation policy to every framework's options; a renderer
 * per framework writes the rest (micro-batching, precision, optimizer placement).
 */
package io.accessplan.predictor.emit;
