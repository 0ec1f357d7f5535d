package io.accessplan.features;

/**
 * A GPU: capacity, bandwidths and peak rates. Built from the catalog data file, itself derived
 * from {@code shared/calibration/gpu_specs.csv} and {@code host_device_bandwidth_measured.csv}.
 *
 * @param name            catalog name, e.g. {@code h100-sxm-80gb}
 * @param memoryBytes     device memory capacity
 * @param memBandwidthGBps HBM/GDDR bandwidth (GB/s, spec sheet)
 * @param tensorTflops16  dense fp16/bf16 tensor-core peak (TFLOP/s)
 * @param tf32Tflops      dense TF32 tensor peak (0 where the device has none)
 * @param fp32Tflops      non-tensor fp32 peak
 * @param bf16            whether bf16 is supported natively
 * @param pcieGen         PCIe generation
 * @param h2dGBps         measured pinned host-to-device bandwidth (GB/s)
 * @param d2hGBps         measured pinned device-to-host bandwidth (GB/s)
 * @param gemmTable       which measured GEMM table calibrates this device ({@code deepbench-v100},
 *                        {@code deepbench-t4}, {@code xla-h100}) or {@code derived:<table>}
 * @param source          where the numbers come from
 */
public record DeviceProfile(String name, long memoryBytes, double memBandwidthGBps, double tensorTflops16,
                            double tf32Tflops, double fp32Tflops, boolean bf16, int pcieGen,
                            double h2dGBps, double d2hGBps, String gemmTable, String source) {

    /** Largest device memory a profile may have: 16 TiB (the largest GPUs have 192 GiB). */
    public static final long MAX_MEMORY_BYTES = 1L << 44;
    /** Highest memory bandwidth: 100,000 GB/s (the fastest HBM3e parts reach 8,000). */
    public static final double MAX_BANDWIDTH_GBPS = 100_000;
    /** Highest peak rate: 100,000 TFLOP/s (dense 16-bit peaks reach about 2,500). */
    public static final double MAX_TFLOPS = 100_000;
    /** Host link bandwidth bound: 1,000 GB/s (PCIe 6 x16 is 128 GB/s, NVLink-C2C 450 per direction). */
    public static final double MAX_HOST_GBPS = 1_000;
    /** PCIe generations a profile may name: 1 to 7, or 0 where unknown (a profile measured on the card). */
    public static final int MAX_PCIE_GEN = 7;

    /** Validates every field: finite, positive and within a physical bound; the message names the field. */
    public DeviceProfile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Invalid device name: '" + name + "'");
        }
        if (memoryBytes <= 0 || memoryBytes > MAX_MEMORY_BYTES) {
            throw new IllegalArgumentException("Invalid memory_bytes of " + name + ": " + memoryBytes
                    + " (must be in 1.." + MAX_MEMORY_BYTES + ")");
        }
        Checks.range("mem_bw_gbps of " + name, memBandwidthGBps, MAX_BANDWIDTH_GBPS);
        Checks.range("tensor_tflops_16 of " + name, tensorTflops16, MAX_TFLOPS);
        Checks.range("fp32_tflops of " + name, fp32Tflops, MAX_TFLOPS);
        Checks.range("h2d_gbps of " + name, h2dGBps, MAX_HOST_GBPS);
        Checks.range("d2h_gbps of " + name, d2hGBps, MAX_HOST_GBPS);
        if (!(tf32Tflops >= 0 && tf32Tflops <= MAX_TFLOPS)) {
            throw new IllegalArgumentException("Invalid tf32_tflops of " + name + ": " + tf32Tflops
                    + " (must be 0, for none, up to " + MAX_TFLOPS + ")");
        }
        if (pcieGen < 0 || pcieGen > MAX_PCIE_GEN) {
            throw new IllegalArgumentException("Invalid pcie_gen of " + name + ": " + pcieGen + " (must be in 0.."
                    + MAX_PCIE_GEN + ", 0 for unknown)");
        }
        gemmTable = gemmTable == null ? "" : gemmTable;
        source = source == null ? "" : source;
    }

    /** Peak dense matmul rate for a precision: tensor cores for 16-bit, TF32 (or fp32) otherwise. */
    public double peakTflops(Precision p) {
        return p.mixed() ? tensorTflops16 : Math.max(tf32Tflops, fp32Tflops);
    }

    /**
     * The pinned host-device bandwidth an offload round trip runs at (GB/s): the slower of the two
     * directions, since every offloaded byte crosses both ways.
     */
    public double pcieGBps() {
        return Math.min(h2dGBps, d2hGBps);
    }

    /**
     * The card this profile is: its name without the {@code -cap<N>gib} suffix of a run whose
     * memory the allocator capped to emulate a smaller GPU (the collector's row-log sweep names
     * them so), and without the {@code ~<variant>} suffix of a device of the card's calibrated twin
     * at other rates ({@code collector.sim.TwinSweep}). A measured card's rows, its calibration and
     * its evaluation are grouped by it, and a leave-one-card-out fold leaves out the card's twin with it.
     */
    public String card() {
        return CAP_SUFFIX.matcher(TWIN_VARIANT.matcher(name).replaceFirst("")).replaceFirst("");
    }

    private static final java.util.regex.Pattern CAP_SUFFIX = java.util.regex.Pattern.compile("-cap[0-9.]+gib$");
    private static final java.util.regex.Pattern TWIN_VARIANT = java.util.regex.Pattern.compile("~[^~]*$");

    /** Whether the device can train in a precision. */
    public boolean supports(Precision p) {
        return p != Precision.BF16 || bf16;
    }
}
