package io.accessplan.features.plan;

import io.accessplan.features.Workload;

import java.util.EnumSet;
import java.util.Set;

/**
 * A step's data movement split into what any schedule of the step must move and what the
 * strategy adds, read off the schedule op by op (so a policy applied to N of the L layers is
 * counted layer by layer with no change here).
 *
 * <p><b>Essential</b> traffic is the step with every activation kept, one micro-batch and the
 * optimizer on the device: each activation written once and read by its consumers, the weights,
 * gradients and optimizer state touched once. <b>Redundant</b> traffic is what the strategy adds
 * to that: the kernels of the recompute phase (re-reads and re-writes of recomputed layers), the
 * weight operands each extra micro-batch reads and writes again, the offload round trips of
 * activations over PCIe, and the gradient and weight transfers around a host optimizer. Device
 * memory (HBM) traffic is that of the compute-stream kernels, as {@link Plan#hbmBytes()}; a
 * copy's device side is counted once, as its host&lt;-&gt;device bytes.
 *
 * <p>The split is exact: for every candidate with the optimizer on the device, the essential HBM
 * bytes equal the HBM bytes of {@code keep} (tested in {@code TrafficTest}), because a micro-batch
 * shrinks every activation by k and re-reads only the weights.
 *
 * <p>Reference: the essential / non-essential distinction follows the study the project is built
 * from ("up to 40% of memory bandwidth" spent on non-essential data movement), and the
 * recomputation accounting of Korthikanti et al. 2022 (arXiv:2205.05198).
 *
 * @param hbmBytes                device-memory traffic of the step's kernels
 * @param recomputeHbmBytes       of which the recompute phase's kernels
 * @param microBatchHbmBytes      of which what micro-batches 2..k move again whatever their size: the weight
 *                                operands of weight GEMMs, autocast's weight casts and the loss scalar
 * @param pcieBytes               host&lt;-&gt;device bytes of the step
 * @param offloadPcieBytes        of which activation offload copies (out and back)
 * @param optimizerPcieBytes      of which gradients down and weights up around a host optimizer
 */
public record Traffic(long hbmBytes, long recomputeHbmBytes, long microBatchHbmBytes, long pcieBytes,
                      long offloadPcieBytes, long optimizerPcieBytes) {

    /** Redundant device-memory bytes: recompute and micro-batch weight re-reads. */
    public long redundantHbmBytes() {
        return recomputeHbmBytes + microBatchHbmBytes;
    }

    /** Essential device-memory bytes. */
    public long essentialHbmBytes() {
        return hbmBytes - redundantHbmBytes();
    }

    /** Redundant host&lt;-&gt;device bytes: every PCIe byte of a step is one a device-resident, kept schedule would not move. */
    public long redundantPcieBytes() {
        return offloadPcieBytes + optimizerPcieBytes;
    }

    /** Essential host&lt;-&gt;device bytes (none: the reference step moves no data over PCIe). */
    public long essentialPcieBytes() {
        return pcieBytes - redundantPcieBytes();
    }

    /** Redundant share of all bytes moved (HBM and PCIe together), in [0, 1]. */
    public double redundantShare() {
        long total = hbmBytes + pcieBytes;
        return total == 0 ? 0 : (double) (redundantHbmBytes() + redundantPcieBytes()) / total;
    }

    /** The traffic of a schedule, walked op by op. */
    public static Traffic of(Schedule s) {
        Set<OpTemplate> weightGemms = weightGemms(s.workload());
        long bodyHbm = 0;
        long tailHbm = 0;
        long recompute = 0;
        long weightOperands = 0;
        long offload = 0;
        long bodyPcie = 0;
        long tailPcie = 0;
        for (Op op : s.ops()) {
            boolean body = op.index() < s.bodyEnd();
            switch (op.kind()) {
                case ALLOC, FREE -> {
                }
                case COPY_D2H, COPY_H2D -> {
                    if (body) {
                        bodyPcie += op.bytesRead();
                        if (op.layer() >= 0) {
                            offload += op.bytesRead();   // a layer's activations, out or back
                        }
                    } else {
                        tailPcie += op.bytesRead();
                    }
                }
                default -> {
                    if (op.stream() != StreamKind.COMPUTE) {
                        break;
                    }
                    long traffic = op.bytesRead() + op.bytesWritten();
                    if (!body) {
                        tailHbm += traffic;
                        break;
                    }
                    bodyHbm += traffic;
                    if (op.phase() == Phase.RECOMPUTE) {
                        recompute += traffic;
                    } else if (op.template() == OpTemplate.WEIGHT_CAST) {
                        weightOperands += traffic;   // autocast's weight casts: whole weights, every micro-batch
                    } else if (op.template() != null && weightGemms.contains(op.template())) {
                        weightOperands += weightOperandBytes(op, s.workload());
                    } else if (op.kind() == OpKind.LOSS && op.pass() == OpPass.FORWARD) {
                        weightOperands += Section.LOSS_BYTES;   // the loss scalar, written once per micro-batch
                    }
                }
            }
        }
        int k = s.repeats();
        long bodyPcieOther = bodyPcie - offload;
        return new Traffic(k * bodyHbm + tailHbm, k * recompute, (k - 1) * weightOperands, k * bodyPcie + tailPcie,
                k * offload, k * bodyPcieOther + tailPcie);
    }

    /**
     * Bytes of the weight-shaped operand of a weight GEMM pass: the weight read by the forward
     * and the data-gradient GEMMs ({@code k x n} of the op), the weight gradient written by the
     * weight-gradient GEMM ({@code m x n} of the op: the planner emits it as {@code (k, n, m)}).
     */
    private static long weightOperandBytes(Op op, Workload w) {
        long e = w.training().precision().bytes();
        long elements = op.pass() == OpPass.WGRAD ? (long) op.m() * op.n() : (long) op.k() * op.n();
        return e * elements * op.batchCount();
    }

    /** The templates that multiply by a weight, read off the sections the planner expands. */
    private static Set<OpTemplate> weightGemms(Workload w) {
        Set<OpTemplate> out = EnumSet.noneOf(OpTemplate.class);
        for (Section sec : new Section[]{Section.layer(w, 1), Section.embedding(w, 1), Section.head(w, 1)}) {
            for (Section.F f : sec.ops) {
                if (f.kind() == OpKind.GEMM && f.weight()) {
                    out.add(f.template());
                }
            }
        }
        return out;
    }
}
