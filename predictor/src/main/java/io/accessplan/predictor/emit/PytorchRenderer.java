package io.accessplan.predictor.emit;

import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Workload;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.List;

/**
 * A plain PyTorch training step: the layer loop of {@link ActivationMapping} inside an accumulation
 * loop over the micro-batches, {@code torch.autocast} for mixed precision (a {@code GradScaler} for
 * fp16), and for optimizer offload fp32 master weights and optimizer state in pinned host memory with
 * the update on the CPU (what ZeRO-Offload does, Ren et al. 2021). {@code model.embed},
 * {@code model.layers}, {@code model.head}, {@code loader} and {@code loss_fn} stand for the user's own.
 */
final class PytorchRenderer implements Renderer {
    @Override
    public String render(Workload w, Realisation r, Activation activation, List<String> notes) {
        Precision p = w.training().precision();
        String loop = (String) activation.settings().get("loop");
        String helper = (String) activation.settings().get("helper");
        StringBuilder sb = new StringBuilder("import torch\n");
        if (loop.contains("checkpoint_sequential")) {
            sb.append("from torch.utils.checkpoint import checkpoint_sequential\n");
        } else if (loop.contains("checkpoint(") || helper != null) {
            sb.append("from torch.utils.checkpoint import checkpoint\n");
        }
        sb.append('\n');
        if (p == Precision.FP32 && w.device().tf32Tflops() > 0) {
            sb.append("torch.backends.cuda.matmul.allow_tf32 = True\n\n");
        }
        if (helper != null) {
            sb.append(helper).append("\n\n");
        }
        sb.append("MICRO_BATCHES = ").append(r.microBatches()).append("  # of ").append(r.microBatchSize())
                .append(" samples, ").append(r.batch()).append(" a step\n");
        String opt = w.training().optimizer() == OptimizerKind.ADAM ? "torch.optim.Adam" : "torch.optim.SGD";
        if (r.optimizerOffload()) {
            sb.append("""
                    # optimizer state on the host: fp32 master weights and the optimizer's state in pinned memory
                    params = [p for p in model.parameters() if p.requires_grad]
                    master = [p.detach().float().cpu().pin_memory() for p in params]
                    optimizer = %s(master, lr=1e-3)  # steps on the CPU
                    """.formatted(opt));
            if (p.mixed()) {
                sb.append("model.to(torch.").append(p == Precision.BF16 ? "bfloat16" : "float16")
                        .append(")  # 16-bit working weights and gradients on the device\n");
            }
        } else {
            sb.append("optimizer = ").append(opt).append("(model.parameters(), lr=1e-3)\n");
        }
        if (p == Precision.FP16) {
            sb.append("scaler = torch.amp.GradScaler(\"cuda\")\n");
        }
        sb.append("""

                def forward(x):
                    x = model.embed(x)
                %s
                    return model.head(x)

                for batch in loader:
                    for micro in batch.chunk(MICRO_BATCHES):
                """.formatted(indent(loop)));
        if (p.mixed()) {
            sb.append("        with torch.autocast(\"cuda\", dtype=torch.").append(p == Precision.BF16 ? "bfloat16" : "float16")
                    .append("):\n            loss = loss_fn(forward(micro)) / MICRO_BATCHES\n");
        } else {
            sb.append("        loss = loss_fn(forward(micro)) / MICRO_BATCHES\n");
        }
        sb.append(p == Precision.FP16 ? "        scaler.scale(loss).backward()\n" : "        loss.backward()\n");
        if (r.optimizerOffload()) {
            if (p == Precision.FP16) {
                notes.add("with fp16, unscale the host gradients (divide by scaler.get_scale()) before optimizer.step()");
            }
            sb.append("""
                        for m, p in zip(master, params):
                            m.grad = p.grad.float().cpu()
                        optimizer.step()
                        for m, p in zip(master, params):
                            p.detach().copy_(m, non_blocking=True)
                        model.zero_grad(set_to_none=True)
                    """);
        } else if (p == Precision.FP16) {
            sb.append("""
                        scaler.step(optimizer)
                        scaler.update()
                        optimizer.zero_grad(set_to_none=True)
                    """);
        } else {
            sb.append("""
                        optimizer.step()
                        optimizer.zero_grad(set_to_none=True)
                    """);
        }
        return sb.toString();
    }

    private static String indent(String code) {
        return code.lines().map(l -> l.isEmpty() ? l : "    " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }
}
