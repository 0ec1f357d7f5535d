package io.accessplan.cuda;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.cuda.device.CudaException;
import io.accessplan.cuda.device.DeviceApi;
import io.accessplan.cuda.device.DeviceOutOfMemoryException;
import io.accessplan.cuda.exec.ScheduleExecutor;
import io.accessplan.cuda.jcuda.JCudaDeviceApi;
import io.accessplan.cuda.nvml.EnergyCounter;
import io.accessplan.cuda.nvml.EnergyWindow;
import io.accessplan.cuda.nvml.Nvml;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Repeats;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Schedule;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code cuda} backend: runs a schedule's training step on the local GPU through the
 * {@link ScheduleExecutor}, {@link #WARMUP} untimed steps then {@code repeats} steps each timed
 * with CUDA events; reports the median and standard deviation, the allocator's peak (the
 * measured context included) and the driver's used-memory reading. An out-of-memory is that
 * run's outcome ({@code oom}, attempted peak); a CUDA error is recorded in the detail
 * ({@code error: ...}, step time NaN) and the device is reset and reopened, so a sweep goes on.
 *
 * <p>Energy: where NVML's energy counter exists ({@link Nvml}), it is read around the timed steps,
 * extended by untimed steps to a window of at least {@link EnergyWindow#MIN_WINDOW_NANOS}, and the
 * row's {@code energy_j} is the counter's difference per step; elsewhere {@code energy_j} is null
 * and {@link #energyStatus()} says why in one line.
 *
 * <p>Not thread-safe: one sweep thread drives it.
 */
public final class CudaBackend implements Backend {
    /** Untimed steps before the timed repeats (JIT of the PTX, cuBLAS heuristics, pool growth). */
    public static final int WARMUP = 2;
    /** System property that forces the project's PTX GEMM instead of cuBLAS ({@code -Daccessplan.cuda.gemm=ptx}). */
    public static final String GEMM_PROPERTY = "accessplan.cuda.gemm";

    private final BackendOptions options;
    private final Supplier<DeviceApi> reopen;
    private DeviceApi api;
    private long contextBytes;
    private String lost;
    private CardProfiler.Result card;
    private final EnergyCounter energy;
    private final String energyStatus;

    /**
     * A backend over a device layer.
     *
     * @param api          the device layer (a real one, or a recording one in tests)
     * @param options      memory cap, device index, seed
     * @param contextBytes device bytes in use before any allocation of ours (context, modules, libraries)
     * @param reopen       resets the device and opens a new layer after a CUDA error (null: no recovery)
     */
    public CudaBackend(DeviceApi api, BackendOptions options, long contextBytes, Supplier<DeviceApi> reopen) {
        this(api, options, contextBytes, reopen, null, "energy not measured: no energy counter given");
    }

    /**
     * A backend over a device layer with the device's energy counter.
     *
     * @param energy       the device's energy counter, or null (then {@code energy_j} is null)
     * @param energyStatus one line: where the energy comes from, or why there is none
     */
    public CudaBackend(DeviceApi api, BackendOptions options, long contextBytes, Supplier<DeviceApi> reopen,
                       EnergyCounter energy, String energyStatus) {
        this.api = api;
        this.options = options;
        this.contextBytes = contextBytes;
        this.reopen = reopen;
        this.energy = energy;
        this.energyStatus = energyStatus;
    }

    /** One line: where a row's energy comes from, or why there is none. */
    public String energyStatus() {
        return energyStatus;
    }

    /** Opens the local device of {@code options.deviceIndex()}. */
    static CudaBackend open(BackendOptions options) {
        int index = options.deviceIndex();
        boolean cublas = !"ptx".equalsIgnoreCase(System.getProperty(GEMM_PROPERTY, ""));
        JCudaDeviceApi api = JCudaDeviceApi.open(index, cublas);
        long used = api.totalMemoryBytes() - api.freeMemoryBytes();
        EnergyCounter counter = null;
        String status;
        try {
            counter = Nvml.open(index);
            status = "nvmlDeviceGetTotalEnergyConsumption of NVML device " + index + ", window >= "
                    + EnergyWindow.MIN_WINDOW_NANOS / 1_000_000 + " ms";
        } catch (UnsupportedOperationException | LinkageError e) {
            status = CudaProbe.oneLine(e);
        }
        return new CudaBackend(api, options, used, () -> {
            JCudaDeviceApi.reset(index);
            return JCudaDeviceApi.open(index, cublas);
        }, counter, status);
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    @Override
    public Measurement measure(Schedule schedule, int repeats, long seed) {
        Plan plan = schedule.plan();
        if (api == null) {
            return failed(plan, repeats, 0, "error: device lost: " + lost);
        }
        api.attachThread();   // the sweep may measure on another thread than the one that opened the backend
        String gemm = "gemm=" + api.gemmImplementation();
        long peak = 0;
        try (ScheduleExecutor ex = new ScheduleExecutor(api, schedule, options.memoryCapBytes(), contextBytes,
                seed ^ options.seed())) {
            ex.prepare();
            for (int i = 0; i < WARMUP; i++) {
                ex.timedStep();
            }
            double[] ms = new double[Math.max(1, repeats)];
            long[] driverPeak = {0};
            EnergyWindow.Step step = i -> {
                double t = ex.timedStep();
                if (i < ms.length) {   // the window's further steps only lengthen the energy reading
                    ms[i] = t;
                    driverPeak[0] = Math.max(driverPeak[0], api.totalMemoryBytes() - api.freeMemoryBytes());
                }
            };
            double joules = Double.NaN;
            if (energy != null) {
                joules = EnergyWindow.joulesPerStep(energy, System::nanoTime, ms.length, step);
            } else {
                for (int i = 0; i < ms.length; i++) {
                    step.run(i);
                }
            }
            peak = ex.allocator().peakBytes();
            String detail = gemm + "; driver_peak_bytes=" + driverPeak[0] + "; context_bytes=" + contextBytes
                    + "; warmup=" + WARMUP;
            return plan.measured(name(), ms.length, Repeats.median(ms), Repeats.stdev(ms), peak, false, detail,
                    joules);
        } catch (DeviceOutOfMemoryException e) {
            long attempted = Math.max(e.attemptedBytes(), peak);
            return plan.measured(name(), repeats, Double.NaN, Double.NaN, Math.max(0, attempted), true,
                    gemm + "; oom: " + CudaProbe.oneLine(e));
        } catch (RuntimeException e) {   // a CUDA error, or a schedule the executor cannot map: this run's outcome
            String why = CudaProbe.oneLine(e);
            if (e instanceof CudaException) {
                recover(why);
            }
            return failed(plan, repeats, peak, "error: " + why + "; " + gemm);
        }
    }

    private Measurement failed(Plan plan, int repeats, long peak, String detail) {
        return plan.measured(name(), repeats, Double.NaN, Double.NaN, peak, false, detail);
    }

    /** After a CUDA error: drop the layer (its context may be poisoned), reset the device, open a new one. */
    private void recover(String why) {
        try {
            api.close();
        } catch (RuntimeException ignored) {
            // the context may be unusable: the reset below is what recovers it
        }
        api = null;
        if (reopen == null) {
            lost = why;
            return;
        }
        try {
            api = reopen.get();
            contextBytes = api.totalMemoryBytes() - api.freeMemoryBytes();
        } catch (RuntimeException | LinkageError e) {
            lost = why + " (reopen failed: " + CudaProbe.oneLine(e) + ")";
        }
    }

    /** The card's own measured profile (measured on first call, about a second). */
    @Override
    public DeviceProfile localDevice() {
        return card().profile();
    }

    private CardProfiler.Result card() {
        if (card == null) {
            if (api == null) {
                throw new IllegalStateException("device lost: " + lost);
            }
            api.attachThread();
            card = CardProfiler.profile(api);
        }
        return card;
    }

    /** The card's name, memory, driver, GEMM implementation and measured profile, for the dataset footer. */
    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("backend", name());
        if (api instanceof JCudaDeviceApi j) {
            p.put("compute_capability", j.computeCapability());
            p.put("driver_version", Integer.toString(j.driverVersion()));
            if (!j.cublasReason().isEmpty()) {
                p.put("cublas_unavailable", j.cublasReason());
            }
        }
        p.put("context_bytes", Long.toString(contextBytes));
        p.put("memory_cap_bytes", Long.toString(options.memoryCapBytes()));
        p.put("warmup_steps", Integer.toString(WARMUP));
        p.put("energy", energyStatus);
        p.put("jcuda_version", "12.6.0");
        if (api != null) {
            card().provenance().forEach((k, v) -> p.put("card." + k, v));
        }
        return p;
    }

    /** Releases the device layer (streams, modules, context). */
    @Override
    public void close() {
        try {
            if (api != null) {
                DeviceApi a = api;
                api = null;
                a.attachThread();
                a.close();
            }
        } finally {
            if (energy != null) {
                energy.close();
            }
        }
    }
}
