package io.accessplan.features.plan;

import io.accessplan.features.Workload;

import java.util.EnumSet;
import java.util.Set;

/**
 * A step's data movement split into what any schedule of the step must move and what the
 * strategy adds. A {@link Plan} carries it: the planner's plan reads it off the schedule op by op
 * in the same walk as the memory and FLOPs (so a policy applied to N of the L layers is counted
 * layer by layer), the {@link Estimator}'s plan in closed form from the section templates.
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

    /**
     * The traffic of a schedule: its plan's ({@link Schedule#plan()}), which the one walk of
     * {@code Plan.of} adds up with the memory and FLOPs.
     */
    public static Traffic of(Schedule s) {
        return s.plan().traffic();
    }

    /**
     * What a compute kernel of the micro-batch body moves again on every micro-batch whatever its
     * size: a weight GEMM pass's weight-shaped operand, and the loss scalar; 0 for other kernels.
     * Kernels of the recompute phase are counted there instead.
     */
    static long repeatedPerMicroBatch(Op op, Set<OpTemplate> weightGemms, Workload w) {
        if (op.template() == OpTemplate.WEIGHT_CAST) {
            return op.bytesRead() + op.bytesWritten();   // autocast's weight casts: whole weights, every micro-batch
        }
        if (op.template() != null && weightGemms.contains(op.template())) {
            return weightOperandBytes(op, w);
        }
        return op.kind() == OpKind.LOSS && op.pass() == OpPass.FORWARD ? Section.LOSS_BYTES : 0;   // written once per micro-batch
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
    static Set<OpTemplate> weightGemms(Workload w) {
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
