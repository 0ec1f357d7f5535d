package io.accessplan.collector.sim;

import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Precision;

/**
 * The kernel and copy cost model of one device at one training precision: every rate the
 * replay needs, resolved once (the simulator caches one per device and precision) so that
 * timing an operation is a few multiplications.
 */
final class DeviceModel {
    /**
     * Fraction of the memory bandwidth that memory-bound kernels reach. STREAM-like kernels
     * reach ~80-90% of HBM bandwidth: 750 GB/s of 900 on V100 (0.83) in Jia et al.,
     * "Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking" (arXiv:1804.06826,
     * 2018); STREAM-style benchmarks of later HBM parts land in the same 80-90% band. We take
     * 0.83 for every device; GDDR cards (T4, L4) reach somewhat less, which this does not model.
     */
    static final double MEMORY_BOUND_FRACTION = 0.83;

    /**
     * Fraction of the tensor peak that fused attention reaches in the forward pass.
     * FlashAttention-2 reaches 50-73% of the A100's theoretical peak (T. Dao, FlashAttention-2,
     * arXiv:2307.08691, 2023, abstract and section 4); we take 0.60, about the middle of that
     * range. On H100 FlashAttention-2 reaches only ~35% and FlashAttention-3 up to 75%
     * (J. Shah et al., FlashAttention-3, arXiv:2407.08608, 2024); one number serves every GPU.
     */
    static final double ATTENTION_FORWARD_EFFICIENCY = 0.60;

    /**
     * Fraction of the peak for the fused attention backward pass: FlashAttention-2's backward
     * reaches a lower FLOP rate than its forward in its own benchmarks (FlashAttention-2,
     * section 4); we assume 80% of the forward fraction, 0.48.
     */
    static final double ATTENTION_BACKWARD_EFFICIENCY = 0.48;

    /**
     * Host Adam throughput with optimizer offload, in FLOP/s at the planner's 12 FLOPs per
     * parameter. DeepSpeed's CPU-Adam is 5-7x faster than PyTorch's CPU Adam (deepspeed.ai
     * ZeRO-Offload tutorial) and ZeRO-Offload's latency table (J. Ren et al., ZeRO-Offload,
     * USENIX ATC 2021, section 6) puts it at roughly 0.2 s per billion parameters on a DGX-2
     * host; we take 4.5e9 parameters/s. SGD, at 4 FLOPs per parameter, runs at the same FLOP rate.
     */
    static final double HOST_OPTIMIZER_FLOPS = 12 * 4.5e9;

    /**
     * Host-side cost of launching one kernel or copy: a few microseconds per launch back to back
     * (A. Gray, "Getting Started with CUDA Graphs", NVIDIA Developer Blog, 2019, whose example
     * kernels cost ~3-4 us each when launched in a stream); we take 4 us. Launches are issued in
     * program order by one host thread; a kernel cannot start before it is issued, so tiny
     * kernels are launch-bound.
     */
    static final double LAUNCH_SECONDS = 4e-6;

    final GemmModel.Curve gemm;
    final double peakFlops;
    /** Seconds per byte of memory-bound kernels at the default fraction (the analytic view). */
    final double memorySecondsPerByte;
    final double h2dGBps;
    final double d2hGBps;
    /** The parameters this model was built with (the defaults, or a card's calibration). */
    final SimParameters params;
    /** Seconds per byte of each memory-bound kernel class. */
    final double pointwiseSecondsPerByte;
    final double normSecondsPerByte;
    final double softmaxSecondsPerByte;
    final double embeddingLossSecondsPerByte;
    final double optimizerSecondsPerByte;
    final double launchSeconds;
    final double hostOptimizerFlops;
    final double hostOptimizerLatency;
    /** Host seconds per gradient byte of the fp16 casts (0 for other precisions). */
    final double hostCastSecondsPerGradByte;
    /** Extra host seconds per fp16 gradient byte of a half-subnormal gradient (0 for other precisions). */
    final double hostSubnormalSecondsPerGradByte;
    /** Cost of the fp16 casts of a zero gradient, as a fraction of a normal one's. */
    final double hostZeroCastFraction;
    /** Extra host seconds per gradient byte of an Adam parameter whose second moment is subnormal (0 in fp16). */
    final double hostSubnormalMomentSecondsPerGradByte;
    /** Extra host seconds per gradient byte of an Adam update over its FLOPs' cost. */
    final double hostAdamSecondsPerGradByte;

    private DeviceModel(GemmModel.Curve gemm, double peakFlops, double bw, double h2dGBps, double d2hGBps,
                        SimParameters q, Precision p) {
        boolean tensor = p.mixed();
        this.gemm = gemm.calibrated(q.get(tensor ? SimParameters.Name.GEMM_EFFICIENCY_16
                : SimParameters.Name.GEMM_EFFICIENCY_32), q.get(SimParameters.Name.GEMM_FILL),
                q.get(SimParameters.Name.GEMM_FILL_SHARPNESS));
        this.peakFlops = peakFlops;
        this.memorySecondsPerByte = 1 / (MEMORY_BOUND_FRACTION * bw);
        double copy = q.get(SimParameters.Name.COPY_EFFICIENCY);
        this.h2dGBps = h2dGBps * copy;
        this.d2hGBps = d2hGBps * copy;
        this.params = q;
        this.pointwiseSecondsPerByte = 1 / (q.get(SimParameters.Name.POINTWISE_BANDWIDTH) * bw);
        this.normSecondsPerByte = 1 / (q.get(SimParameters.Name.NORM_BANDWIDTH) * bw);
        this.softmaxSecondsPerByte = 1 / (q.get(SimParameters.Name.SOFTMAX_BANDWIDTH) * bw);
        this.embeddingLossSecondsPerByte = 1 / (q.get(SimParameters.Name.EMBEDDING_LOSS_BANDWIDTH) * bw);
        this.optimizerSecondsPerByte = 1 / (q.get(SimParameters.Name.OPTIMIZER_BANDWIDTH) * bw);
        this.launchSeconds = q.get(SimParameters.Name.LAUNCH_SECONDS);
        this.hostOptimizerFlops = q.get(SimParameters.Name.HOST_OPTIMIZER_FLOPS);
        this.hostOptimizerLatency = q.get(SimParameters.Name.HOST_OPTIMIZER_LATENCY);
        this.hostCastSecondsPerGradByte = p == Precision.FP16
                ? q.get(SimParameters.Name.HOST_FP16_CAST_SECONDS) / p.bytes() : 0;
        this.hostSubnormalSecondsPerGradByte = p == Precision.FP16
                ? q.get(SimParameters.Name.HOST_FP16_SUBNORMAL_SECONDS) / p.bytes() : 0;
        this.hostZeroCastFraction = q.get(SimParameters.Name.HOST_FP16_ZERO_CAST);
        this.hostSubnormalMomentSecondsPerGradByte = p == Precision.FP16
                ? 0 : q.get(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS) / p.bytes();
        this.hostAdamSecondsPerGradByte = q.get(SimParameters.Name.HOST_ADAM_SECONDS) / p.bytes();
    }

    /**
     * Host seconds of an optimizer update on the host over {@code gradBytes} of gradients, beyond
     * its fixed latency and its FLOPs: the fp16 casts, the cost of the values it meets, and
     * Adam's cost beyond its FLOPs ({@code adam}: the update is Adam's).
     */
    double hostValueSeconds(long gradBytes, GradientValues v, boolean adam) {
        // written so that the defaults (no value cost, a zero costing what a normal does, no Adam
        // term) give the cast term bit for bit as before: gradBytes - gradBytes * z * 0, and x + 0.0
        double castBytes = gradBytes - gradBytes * v.zero() * (1 - hostZeroCastFraction);
        return castBytes * hostCastSecondsPerGradByte
                + gradBytes * (hostSubnormalSecondsPerGradByte * v.halfSubnormal()
                + hostSubnormalMomentSecondsPerGradByte * v.subnormalMoment()
                + (adam ? hostAdamSecondsPerGradByte : 0));
    }

    /** The model of a device at a precision with the simulator's default parameters. */
    static DeviceModel of(DeviceProfile d, Precision p) {
        return of(d, p, SimParameters.DEFAULTS);
    }

    /**
     * Builds the model of a device at a precision. 16-bit precisions use the tensor-core rows of
     * the device's GEMM table, fp32 its fp32 rows (DeepBench fp32; XLA f32, which is TF32). A
     * device without a known table (a user profile) borrows the H100 curve, scaled by the ratio
     * of peaks like the catalog's {@code derived:xla-h100} devices. The parameters scale each
     * kernel class (a card's calibration, or {@link SimParameters#DEFAULTS}).
     */
    static DeviceModel of(DeviceProfile d, Precision p, SimParameters q) {
        GemmModel.Table table = GemmModel.Table.of(d.gemmTable());
        if (table == null) {
            table = GemmModel.Table.XLA_H100;
        }
        boolean tensor = p.mixed();
        double peak = d.peakTflops(p) * 1e12;
        double bw = d.memBandwidthGBps() * 1e9;
        GemmModel.Curve curve = GemmModel.calibrated(table, tensor).curve(peak, bw, p.bytes());
        return new DeviceModel(curve, peak, bw, d.h2dGBps(), d.d2hGBps(), q, p);
    }

    /** Seconds of a fused attention kernel: at the lower of the attention cap and the GEMM curve. */
    double attentionSeconds(double flops, boolean backward, int m, int n, int k, int batch) {
        double cap = backward ? ATTENTION_BACKWARD_EFFICIENCY : ATTENTION_FORWARD_EFFICIENCY;
        double eff = Math.min(cap, gemm.efficiency(Math.max(1, batch), Math.max(1, m), Math.max(1, n),
                Math.max(1, k)));
        return flops / (eff * params.get(SimParameters.Name.ATTENTION_EFFICIENCY) * peakFlops);
    }
}
