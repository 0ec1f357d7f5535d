package io.accessplan.cuda.nvml;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * NVML's energy counter through JNA: {@code nvmlInit_v2}, {@code nvmlDeviceGetHandleByIndex_v2},
 * {@code nvmlDeviceGetTotalEnergyConsumption} (Volta and newer: millijoules since the driver
 * loaded) and {@code nvmlShutdown} (NVML API reference, "Device Queries"). The library is looked
 * up only when {@link #open} is called, so a machine without {@code libnvidia-ml.so.1} loads this
 * class and gets a one-line reason.
 */
public final class Nvml implements EnergyCounter {
    /** NVML's success code. */
    static final int NVML_SUCCESS = 0;

    /** The NVML functions used here, as the C API declares them. */
    interface Api extends Library {
        int nvmlInit_v2();

        int nvmlShutdown();

        int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

        int nvmlDeviceGetTotalEnergyConsumption(Pointer device, LongByReference energy);

        String nvmlErrorString(int result);
    }

    private final Api api;
    private final Pointer device;
    private boolean closed;

    private Nvml(Api api, Pointer device) {
        this.api = api;
        this.device = device;
    }

    /**
     * The energy counter of the NVML device at {@code index} (NVML enumerates by PCI bus id; with
     * {@code CUDA_DEVICE_ORDER=PCI_BUS_ID} that is the CUDA index).
     *
     * @throws UnsupportedOperationException with a one-line reason where NVML or the counter is absent
     */
    public static Nvml open(int index) {
        Api api;
        try {
            api = Native.load("nvidia-ml", Api.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new UnsupportedOperationException("no NVML (libnvidia-ml) on this machine: energy not measured");
        }
        check(api, api.nvmlInit_v2(), "nvmlInit_v2");
        try {
            PointerByReference handle = new PointerByReference();
            check(api, api.nvmlDeviceGetHandleByIndex_v2(index, handle), "nvmlDeviceGetHandleByIndex_v2(" + index + ")");
            Nvml n = new Nvml(api, handle.getValue());
            n.millijoules();   // Volta and newer: older cards say NOT_SUPPORTED here
            return n;
        } catch (RuntimeException e) {
            api.nvmlShutdown();
            throw e;
        }
    }

    @Override
    public long millijoules() {
        if (closed) {
            throw new IllegalStateException("NVML energy counter used after close");
        }
        LongByReference mj = new LongByReference();
        check(api, api.nvmlDeviceGetTotalEnergyConsumption(device, mj), "nvmlDeviceGetTotalEnergyConsumption");
        return mj.getValue();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            api.nvmlShutdown();
        }
    }

    private static void check(Api api, int rc, String call) {
        if (rc != NVML_SUCCESS) {
            throw new UnsupportedOperationException(call + " failed: " + api.nvmlErrorString(rc) + " (NVML " + rc
                    + "): energy not measured");
        }
    }
}
