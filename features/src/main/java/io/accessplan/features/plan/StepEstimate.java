package io.accessplan.features.plan;

import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Precision;

/**
 * A kernel-by-kernel estimate of one training step from its schedule, finer than the
 * {@code Roofline} of the totals: each compute kernel takes the longer of its FLOPs at the
 * precision's peak and its bytes at the memory bandwidth (the roofline of that kernel, Williams
 * et al. 2009), and no less than one launch interval, since one host thread issues kernels in
 * program order and a kernel cannot start before it is issued (a few microseconds per launch:
 * {@link #LAUNCH_MS}). Activation copies overlap the compute stream; the optimizer-offload copies
 * and the host update are serial with it (ZeRO-Offload, Ren et al., USENIX ATC 2021, Fig. 3).
 *
 * <p>Efficiencies below peak (small GEMMs, memory-bound kernels well under bandwidth) are left to
 * the learned model, which sees this estimate and its parts as features and, by default, learns
 * the ratio of the measured step time to {@link #estimateMs()}.
 *
 * @param computeMs         compute-stream kernels at their roofline, without launch bound
 * @param launchBoundMs     compute-stream kernels at max(roofline, launch interval)
 * @param gemmMs            of {@code computeMs}, GEMMs and fused attention
 * @param kernels           compute-stream kernels per step
 * @param gemmLog2Dim       FLOP-weighted mean of log2 of the smallest GEMM dimension (an efficiency proxy)
 * @param activationCopyMs  activation offload copies at the pinned bandwidth (overlapping compute)
 * @param optimizerCopyMs   optimizer offload copies (gradients down, weights up), serial
 * @param hostMs            host optimizer update at {@link #HOST_FLOPS}
 */
public record StepEstimate(double computeMs, double launchBoundMs, double gemmMs, int kernels, double gemmLog2Dim,
                           double activationCopyMs, double optimizerCopyMs, double hostMs) {

    /**
     * Launch interval of one kernel issued back to back from one host thread: ~4 us
     * (NVIDIA CUDA C++ Best Practices Guide, "kernel launch overhead" of a few microseconds;
     * CUDA Graphs were introduced to amortise it).
     */
    public static final double LAUNCH_MS = 4e-3;

    /**
     * Nominal host optimizer rate: 50 GFLOP/s, the order of a vectorised multi-core CPU Adam
     * (ZeRO-Offload's CPU-Adam, Ren et al. 2021, section 4.2); the learned model corrects it.
     */
    public static final double HOST_FLOPS = 50e9;

    /** Walks a schedule's operations: the reference the closed form is checked against. */
    public static StepEstimate of(Schedule s) {
        DeviceProfile d = s.workload().device();
        Precision p = s.workload().training().precision();
        double peak = d.peakTflops(p) * 1e12;
        double bw = d.memBandwidthGBps() * 1e9;
        double pcie = d.pcieGBps() * 1e9;
        int k = s.repeats();
        int bodyEnd = s.bodyEnd();
        double[] compute = new double[2];
        double[] launch = new double[2];
        double[] gemm = new double[2];
        int[] kernels = new int[2];
        double[] actCopy = new double[2];
        double optCopy = 0;
        double host = 0;
        double dimWeighted = 0;
        double gemmFlops = 0;
        for (Op op : s.ops()) {
            OpKind kind = op.kind();
            if (kind.isMemoryEvent()) {
                continue;
            }
            int part = op.index() < bodyEnd ? 0 : 1;
            if (kind.isCopy()) {
                double t = op.bytesRead() / pcie * 1e3;
                if (part == 1) {
                    optCopy += t;
                } else {
                    actCopy[0] += t;
                }
            } else if (kind == OpKind.HOST_OPTIMIZER || op.stream() == StreamKind.HOST) {
                host += op.flops() / HOST_FLOPS * 1e3;
            } else {
                double t = Math.max(op.flops() / peak, (op.bytesRead() + op.bytesWritten()) / bw) * 1e3;
                compute[part] += t;
                launch[part] += Math.max(t, LAUNCH_MS);
                kernels[part]++;
                if (kind == OpKind.GEMM || kind == OpKind.FUSED_ATTENTION) {
                    gemm[part] += t;
                    if (kind == OpKind.GEMM && op.flops() > 0) {
                        int minDim = Math.max(1, Math.min(op.m(), Math.min(op.n(), op.k())));
                        double w = op.flops() * (part == 0 ? k : 1);
                        dimWeighted += w * (31 - Integer.numberOfLeadingZeros(minDim));
                        gemmFlops += w;
                    }
                }
            }
        }
        return new StepEstimate(k * compute[0] + compute[1], k * launch[0] + launch[1], k * gemm[0] + gemm[1],
                k * kernels[0] + kernels[1], gemmFlops > 0 ? dimWeighted / gemmFlops : 0, k * actCopy[0], optCopy,
                host);
    }

    /** The estimated step time (ms): compute overlapped with activation copies, then the serial optimizer offload. */
    public double estimateMs() {
        return Math.max(launchBoundMs, activationCopyMs) + optimizerCopyMs + hostMs;
    }
}
