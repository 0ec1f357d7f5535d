package io.accessplan.collector.sim;

import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Precision;
import io.accessplan.features.plan.Op;

import java.util.Locale;
import java.util.Map;

/**
 * The simulated device's power: an idle floor while a step runs, plus the dynamic energy of each
 * operation (its FLOPs, its device-memory bytes, its PCIe bytes), plus the host's CPU while it
 * runs the optimizer update. A step's energy is the integral of this power over the replayed
 * timeline ({@link SimBackend}); because each operation's dynamic power is constant over its
 * interval, the integral is {@code idle x makespan + sum of operation energies}, which the
 * replay accumulates without storing the timeline ({@code PowerModelTest} integrates the
 * timeline itself and checks the two agree).
 *
 * <h2>Where the constants come from</h2>
 * <ul>
 * <li>Board power limit (TDP) of each card: its NVIDIA datasheet [1]. A kernel's board power
 *     never exceeds it: a kernel whose modelled energy would need more runs at the limit for
 *     its duration (the power limiter clocks down instead).</li>
 * <li>Idle power with a CUDA context: {@link #IDLE_FRACTION} of TDP [2]; a context alone moves a
 *     card 26-50 W (HBM cards) above bare idle into a higher DVFS state [3], which is why a
 *     training process's floor is well above the datasheet's idle.</li>
 * <li>Device memory: HBM2 access costs 3.9 pJ/bit and GDDR5 14 pJ/bit (O'Connor et al. [4],
 *     NVIDIA's measured figures for the memory interface and core); GDDR6/6X cards use the
 *     GDDR figure (no per-bit figure for GDDR6 in [4]: an upper bound).</li>
 * <li>Compute: what is left of the power limit at full compute, spread over the peak FLOP rate:
 *     {@code (TDP - idle - HBM power at full bandwidth) / peak FLOP/s} of the precision. At the
 *     datasheet peak and full bandwidth together a card would therefore sit at its limit, the
 *     regime [5] reports for large GEMMs on A100 and H100.</li>
 * <li>PCIe: {@link #PCIE_JOULES_PER_BYTE}, the link's SerDes at both ends (published 16-32 Gb/s
 *     SerDes: 2-7 pJ/bit [6]) and the host DRAM access of a pinned copy (off-package DRAM at
 *     several times HBM's energy per bit [4]): 20 pJ/bit, the least certain constant here.</li>
 * <li>Host optimizer: the CPU package at {@link #HOST_CPU_WATTS} while the update runs, the TDP
 *     of the Xeon Platinum 8380 of ZeRO-Offload-class hosts [7], above the host's idle.</li>
 * </ul>
 *
 * <p>References:
 * [1] NVIDIA datasheets: V100 (300 W SXM2), A100 (400 W SXM4, 250 W PCIe 40 GB, 300 W PCIe 80 GB),
 *     H100 (700 W SXM5, 350 W PCIe), H200 (700 W SXM), L4 (72 W), A10 (150 W), T4 (70 W);
 *     GeForce RTX 4090 specifications (450 W total graphics power).
 * [2] "GPU Electricity Expense Per Training Run", nemulai.com, 2026: an idle data-centre GPU at
 *     ~15% of its TDP (H100 SXM ~105 W, A100 ~60 W, T4 ~11 W).
 * [3] S. S. Vadari, The Model Parking Tax, arXiv:2605.23918, 2026 (H100, A100, L40S: the CUDA
 *     context's +26-66 W over bare idle, no dependence on memory held).
 * [4] M. O'Connor et al., Fine-Grained DRAM: Energy-Efficient DRAM for Extreme Bandwidth Systems,
 *     MICRO 2017 (HBM2 3.9 pJ/bit, GDDR5 14 pJ/bit; DDR4 in its comparison).
 * [5] Z. Yang et al., Part-time Power Measurements: nvidia-smi's Lack of Attention,
 *     arXiv:2312.02741 (power of A100/H100 under load against an external meter).
 * [6] PCI-SIG, PCI Express electrical basics (Gen3/4 transmitter and receiver budgets);
 *     published 16-32 Gb/s SerDes of 2-7 pJ/bit.
 * [7] Intel ARK, Xeon Platinum 8380 (270 W TDP).
 */
public final class PowerModel {
    /** Idle board power while a step runs, as a fraction of TDP [2], [3]. */
    public static final double IDLE_FRACTION = 0.15;
    /** HBM2 access energy, 3.9 pJ/bit [4]. */
    public static final double HBM_JOULES_PER_BYTE = 3.9e-12 * 8;
    /** GDDR access energy, 14 pJ/bit (GDDR5) [4]. */
    public static final double GDDR_JOULES_PER_BYTE = 14e-12 * 8;
    /** A pinned host<->device copy's energy per byte: 20 pJ/bit, link ends and host DRAM [4], [6]. */
    public static final double PCIE_JOULES_PER_BYTE = 20e-12 * 8;
    /** The host CPU package while it runs the optimizer update [7]. */
    public static final double HOST_CPU_WATTS = 270;

    /** Board power limits by catalog device name [1]. */
    private static final Map<String, Double> TDP_WATTS = Map.ofEntries(
            Map.entry("h100-sxm-80gb", 700.0), Map.entry("h100-pcie-80gb", 350.0), Map.entry("h200-sxm-141gb", 700.0),
            Map.entry("a100-sxm-80gb", 400.0), Map.entry("a100-sxm-40gb", 400.0), Map.entry("a100-pcie-40gb", 250.0),
            Map.entry("a100-pcie-80gb", 300.0), Map.entry("v100-sxm-16gb", 300.0), Map.entry("v100-sxm-32gb", 300.0),
            Map.entry("l4-24gb", 72.0), Map.entry("a10-24gb", 150.0), Map.entry("rtx4090-24gb", 450.0),
            Map.entry("t4-16gb", 70.0));

    private final double tdpWatts;
    private final double idleWatts;
    private final double memoryJoulesPerByte;
    private final double joulesPerFlop;

    private PowerModel(double tdpWatts, double idleWatts, double memoryJoulesPerByte, double joulesPerFlop) {
        this.tdpWatts = tdpWatts;
        this.idleWatts = idleWatts;
        this.memoryJoulesPerByte = memoryJoulesPerByte;
        this.joulesPerFlop = joulesPerFlop;
    }

    /** Whether a device has a power model (a datasheet power limit); a user's own profile may not. */
    public static boolean covers(DeviceProfile d) {
        return TDP_WATTS.containsKey(d.name().toLowerCase(Locale.ROOT));
    }

    /** The power model of a device at a precision; throws if the device has none ({@link #covers}). */
    public static PowerModel of(DeviceProfile d, Precision p) {
        Double tdp = TDP_WATTS.get(d.name().toLowerCase(Locale.ROOT));
        if (tdp == null) {
            throw new IllegalArgumentException("No power model for device: " + d.name()
                    + " (known: " + String.join(", ", new java.util.TreeSet<>(TDP_WATTS.keySet())) + ")");
        }
        double idle = IDLE_FRACTION * tdp;
        double mem = d.name().startsWith("h1") || d.name().startsWith("h2") || d.name().startsWith("a100")
                || d.name().startsWith("v100") ? HBM_JOULES_PER_BYTE : GDDR_JOULES_PER_BYTE;
        double memoryWatts = Math.min(mem * d.memBandwidthGBps() * 1e9, 0.5 * (tdp - idle));
        double perFlop = (tdp - idle - memoryWatts) / (d.peakTflops(p) * 1e12);
        return new PowerModel(tdp, idle, mem, perFlop);
    }

    /** Board power limit, watts. */
    public double tdpWatts() {
        return tdpWatts;
    }

    /** Idle board power while a step runs, watts. */
    public double idleWatts() {
        return idleWatts;
    }

    /** Device-memory energy per byte. */
    public double memoryJoulesPerByte() {
        return memoryJoulesPerByte;
    }

    /** Compute energy per FLOP at this precision. */
    public double joulesPerFlop() {
        return joulesPerFlop;
    }

    /**
     * Power an operation adds over the idle floor while it runs for {@code seconds}, watts: a
     * kernel its FLOPs and bytes (capped so the board stays at its limit), a copy its PCIe bytes,
     * the host update the CPU package. Zero for memory events and zero-length operations.
     */
    public double dynamicWatts(Op op, double seconds) {
        if (seconds <= 0) {
            return 0;
        }
        return switch (op.kind()) {
            case ALLOC, FREE -> 0;
            case COPY_D2H, COPY_H2D -> op.bytesRead() * PCIE_JOULES_PER_BYTE / seconds;
            case HOST_OPTIMIZER -> HOST_CPU_WATTS;
            default -> Math.min(tdpWatts - idleWatts,
                    (op.flops() * joulesPerFlop + (op.bytesRead() + op.bytesWritten()) * memoryJoulesPerByte) / seconds);
        };
    }
}
