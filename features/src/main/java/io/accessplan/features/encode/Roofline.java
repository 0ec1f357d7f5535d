package io.accessplan.features.encode;

import io.accessplan.features.DeviceProfile;
import io.accessplan.features.plan.Plan;

/**
 * A roofline estimate of one training step's time from a plan's totals alone: every FLOP at the
 * device's peak rate for the precision, every byte of kernel traffic at the memory bandwidth,
 * every host&lt;-&gt;device byte at the measured pinned bandwidth, the three overlapping perfectly,
 * so the step takes as long as the slowest (Williams, Waterman and Patterson, "Roofline: an
 * insightful visual performance model for multicore architectures", CACM 52(4), 2009).
 *
 * <p>It ignores achieved efficiency, launch overhead and the dependencies between streams, so it
 * underestimates; it is the unlearned analytic estimate that the model's step-time target may be
 * taken relative to, and the ranking of the {@code analytic} baseline.
 *
 * @param computeMs FLOPs at the precision's peak rate
 * @param hbmMs     kernel memory traffic at the device bandwidth
 * @param pcieMs    host&lt;-&gt;device bytes at the slower of the two measured pinned bandwidths
 */
public record Roofline(double computeMs, double hbmMs, double pcieMs) {

    /** The roofline of a plan on its own workload's device. */
    public static Roofline of(Plan p) {
        DeviceProfile d = p.workload().device();
        double peak = d.peakTflops(p.workload().training().precision()) * 1e12;
        double compute = p.flops() / peak * 1e3;
        double hbm = p.hbmBytes() / (d.memBandwidthGBps() * 1e9) * 1e3;
        double pcie = p.pcieBytes() / (d.pcieGBps() * 1e9) * 1e3;
        return new Roofline(compute, hbm, pcie);
    }

    /** The estimated step time: the slowest of the three resources, in milliseconds. */
    public double stepTimeMs() {
        return Math.max(computeMs, Math.max(hbmMs, pcieMs));
    }
}
