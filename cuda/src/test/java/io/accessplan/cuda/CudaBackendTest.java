package io.accessplan.cuda;

import io.accessplan.collector.BackendOptions;
import io.accessplan.cuda.device.CudaException;
import io.accessplan.cuda.device.DeviceApi;
import io.accessplan.cuda.device.KernelLaunch;
import io.accessplan.cuda.device.RecordingDeviceApi;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.StreamKind;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backend's outcomes on a recording device: a measurement, an out-of-memory, a CUDA error and recovery. */
class CudaBackendTest {
    private static final long CAPACITY = 80L << 30;

    @Test
    void measuresMedianOfRepeatsAndThePlannersPeakWithTheGemmUsed() {
        Schedule s = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("full+mb2"));
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        try (CudaBackend b = new CudaBackend(api, BackendOptions.defaults(), Planner.CUDA_CONTEXT_BYTES, null)) {
            Measurement m = b.measure(s, 5, 1);
            assertEquals("cuda", m.backend());
            assertEquals(5, m.repeats());
            assertEquals(1.0, m.stepTimeMs(), 0.0, "the recording device times every step at 1 ms");
            assertEquals(0.0, m.stepTimeMsStdev(), 0.0);
            assertFalse(m.oom());
            assertEquals(s.plan().peakMemoryBytes(), m.peakMemoryBytes());
            assertEquals(s.plan().flops(), m.flops());
            assertTrue(m.detail().startsWith("gemm=ptx"), m.detail());
        }
        assertEquals(0, api.liveBuffers());
    }

    @Test
    void anAllocationPastTheCapIsThatRunsOutOfMemoryAndTheNextRunGoesOn() {
        Schedule keep = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("keep"));
        Schedule full = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("full"));
        long cap = (keep.plan().peakMemoryBytes() + full.plan().peakMemoryBytes()) / 2;
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "cublas");
        try (CudaBackend b = new CudaBackend(api, new BackendOptions(cap, 0, 0), Planner.CUDA_CONTEXT_BYTES, null)) {
            Measurement oom = b.measure(keep, 3, 1);
            assertTrue(oom.oom());
            assertTrue(Double.isNaN(oom.stepTimeMs()));
            assertTrue(oom.peakMemoryBytes() > cap, "the attempted peak is past the cap");
            assertEquals(0, api.liveBuffers(), "an out-of-memory run releases everything");
            Measurement ok = b.measure(full, 3, 1);
            assertFalse(ok.oom());
            assertEquals(full.plan().peakMemoryBytes(), ok.peakMemoryBytes());
        }
    }

    /** A device layer whose n-th kernel launch fails as a CUDA error would. */
    private static DeviceApi failingAt(RecordingDeviceApi real, int n) {
        AtomicInteger launches = new AtomicInteger();
        return (DeviceApi) Proxy.newProxyInstance(DeviceApi.class.getClassLoader(), new Class<?>[]{DeviceApi.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("launch") && launches.incrementAndGet() == n) {
                        throw new CudaException("cuLaunchKernel(" + ((KernelLaunch) args[0]).kernel()
                                + "): CUDA_ERROR_ILLEGAL_ADDRESS");
                    }
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aCudaErrorIsRecordedAsThatRunsOutcomeAndTheDeviceIsReopened() {
        Schedule s = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("keep"));
        RecordingDeviceApi first = new RecordingDeviceApi(CAPACITY, "ptx");
        List<RecordingDeviceApi> reopened = new ArrayList<>();
        try (CudaBackend b = new CudaBackend(failingAt(first, 40), BackendOptions.defaults(),
                Planner.CUDA_CONTEXT_BYTES, () -> {
            RecordingDeviceApi r = new RecordingDeviceApi(CAPACITY, "ptx");
            reopened.add(r);
            return r;
        })) {
            Measurement failed = b.measure(s, 3, 1);
            assertTrue(failed.detail().startsWith("error: "), failed.detail());
            assertTrue(failed.detail().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), failed.detail());
            assertFalse(failed.detail().contains("\n"));
            assertTrue(Double.isNaN(failed.stepTimeMs()));
            assertFalse(failed.oom());
            assertEquals(1, reopened.size(), "the device layer is reopened after a CUDA error");
            Measurement next = b.measure(s, 3, 1);
            assertEquals(1.0, next.stepTimeMs(), 0.0);
        }
        assertEquals(0, reopened.get(0).liveBuffers());
    }

    @Test
    void cardProfileIsADeviceProfileAndFreesWhatItMeasuredWith() {
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        CardProfiler.Result r = CardProfiler.profile(api);
        assertEquals("recording", r.profile().name());
        assertEquals(CAPACITY, r.profile().memoryBytes());
        assertTrue(r.profile().h2dGBps() > 0 && r.profile().tensorTflops16() > 0);
        assertTrue(r.provenance().containsKey("gemm_tflops_f16_4096x4096x4096"), r.provenance().toString());
        assertEquals(0, api.liveBuffers());
        assertEquals(0, api.liveHostBuffers());
        assertEquals("nvidia-h100-80gb-hbm3", CardProfiler.profileName("NVIDIA H100 80GB HBM3"));
    }

    @Test
    void executorStreamsAreOnlyComputeAndCopy() {
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        Schedule s = Planner.schedule(Workloads.tinyLlama(), Strategy.parse("offload+mb2+opt_offload"));
        try (CudaBackend b = new CudaBackend(api, BackendOptions.defaults(), Planner.CUDA_CONTEXT_BYTES, null)) {
            b.measure(s, 1, 1);
        }
        assertTrue(api.calls().stream().allMatch(c -> c.stream() == null || c.stream() == StreamKind.COMPUTE
                || c.stream() == StreamKind.COPY));
    }
}
