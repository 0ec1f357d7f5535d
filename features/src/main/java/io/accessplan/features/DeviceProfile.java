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

    /** Validates every field. */
    public DeviceProfile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Invalid device name: '" + name + "'");
        }
        if (memoryBytes <= 0) {
            throw new IllegalArgumentException("Invalid memory_bytes for " + name + ": " + memoryBytes);
        }
        Checks.positive("mem_bandwidth_gbps of " + name, memBandwidthGBps);
        Checks.positive("tensor_tflops_16 of " + name, tensorTflops16);
        Checks.positive("fp32_tflops of " + name, fp32Tflops);
        Checks.positive("h2d_gbps of " + name, h2dGBps);
        Checks.positive("d2h_gbps of " + name, d2hGBps);
        if (tf32Tflops < 0) {
            throw new IllegalArgumentException("Invalid tf32_tflops of " + name + ": " + tf32Tflops);
        }
        gemmTable = gemmTable == null ? "" : gemmTable;
        source = source == null ? "" : source;
    }

    /** Peak dense matmul rate for a precision: tensor cores for 16-bit, TF32 (or fp32) otherwise. */
    public double peakTflops(Precision p) {
        return p.mixed() ? tensorTflops16 : Math.max(tf32Tflops, fp32Tflops);
    }

    /**
     * The card this profile is: its name without the {@code -cap<N>gib} suffix of a run whose
     * memory the allocator capped to emulate a smaller GPU (the collector's row-log sweep names
     * them so). A measured card's rows, its calibration and its evaluation are grouped by it.
     */
    public String card() {
        return CAP_SUFFIX.matcher(name).replaceFirst("");
    }

    private static final java.util.regex.Pattern CAP_SUFFIX = java.util.regex.Pattern.compile("-cap[0-9.]+gib$");

    /** Whether the device can train in a precision. */
    public boolean supports(Precision p) {
        return p != Precision.BF16 || bf16;
    }
}
