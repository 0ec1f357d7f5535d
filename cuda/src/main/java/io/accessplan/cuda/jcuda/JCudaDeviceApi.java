package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.CudaException;
import io.accessplan.cuda.device.DeviceApi;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DeviceEvent;
import io.accessplan.cuda.device.DevicePtr;
import io.accessplan.cuda.device.Gemm;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.cuda.device.KernelArg;
import io.accessplan.cuda.device.KernelLaunch;
import io.accessplan.features.plan.StreamKind;
import jcuda.Pointer;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxReset;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAllocAsync;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeAsync;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

/**
 * The device layer on a real GPU: the primary context, the shipped PTX modules, a compute and a
 * copy stream, stream-ordered allocations ({@code cuMemAllocAsync}, so a FREE does not
 * synchronize the device as {@code cuMemFree} would), pinned host memory, and cuBLAS where it
 * loads (else the PTX GEMM). Opening acquires resources in order and, if a step fails, releases
 * what it acquired before rethrowing.
 */
public final class JCudaDeviceApi implements DeviceApi {
    /** The shipped PTX modules (cuda/src/main/cuda/*.cu). */
    public static final List<String> MODULES = List.of("elementwise", "norm", "attention", "gemm");

    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final CudaContext context;
    private final CudaStream compute;
    private final CudaStream copy;
    private final Cublas cublas;
    private final String cublasReason;
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, CudaModule> kernelModule = new HashMap<>();
    private final String name;
    private final long total;
    private final int ccMajor;
    private final int ccMinor;
    private final int driverVersion;
    private boolean closed;

    private JCudaDeviceApi(int index, boolean useCublas) {
        JCudaDriver.setExceptionsEnabled(false);
        context = own(new CudaContext(index));
        try {
            CUdevice dev = context.device();
            byte[] nm = new byte[256];
            Check.cu(cuDeviceGetName(nm, nm.length, dev), "cuDeviceGetName");
            int len = 0;
            while (len < nm.length && nm[len] != 0) {
                len++;
            }
            name = new String(nm, 0, len, StandardCharsets.US_ASCII).trim();
            long[] t = new long[1];
            Check.cu(cuDeviceTotalMem(t, dev), "cuDeviceTotalMem");
            total = t[0];
            int[] v = new int[1];
            Check.cu(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
                    "cuDeviceGetAttribute");
            ccMajor = v[0];
            Check.cu(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
                    "cuDeviceGetAttribute");
            ccMinor = v[0];
            Check.cu(cuDriverGetVersion(v), "cuDriverGetVersion");
            driverVersion = v[0];
            if (ccMajor < 8) {
                throw new CudaException("compute capability " + ccMajor + "." + ccMinor
                        + " is below 8.0, the target of the shipped PTX");
            }
            for (String m : MODULES) {
                CudaModule mod = own(new CudaModule(m));
                for (String k : CudaModule.entries(m)) {
                    kernelModule.put(k, mod);
                }
            }
            compute = own(new CudaStream());
            copy = own(new CudaStream());
            Cublas c = null;
            String why = "";
            if (useCublas) {
                try {
                    c = own(new Cublas());
                } catch (LinkageError | CudaException e) {
                    why = reason(e);
                }
            } else {
                why = "disabled";
            }
            cublas = c;
            cublasReason = why;
        } catch (RuntimeException | Error e) {
            closeQuietly();
            throw e;
        }
    }

    /**
     * Opens a device.
     *
     * @param index     the device ordinal
     * @param useCublas whether to try cuBLAS for GEMMs (else the PTX GEMM)
     */
    public static JCudaDeviceApi open(int index, boolean useCublas) {
        return new JCudaDeviceApi(index, useCublas);
    }

    /**
     * Resets a device's primary context after a sticky error (an illegal address, a launch
     * failure): every allocation of it is gone, so open a new device layer afterwards.
     */
    public static void reset(int index) {
        CUdevice dev = new CUdevice();
        Check.cu(JCudaDriver.cuDeviceGet(dev, index), "cuDeviceGet");
        Check.cu(cuDevicePrimaryCtxReset(dev), "cuDevicePrimaryCtxReset");
    }

    private <T extends AutoCloseable> T own(T r) {
        owned.push(r);
        return r;
    }

    /**
     * Why a library did not load, for provenance: the exception and its message's first sentence, cut before
     * JCuda's nested stack traces, with file system paths reduced to their file names (a fact about the run,
     * "libcublas.so.12: cannot open shared object file", not about the host's directories).
     */
    static String reason(Throwable e) {
        String m = oneLine(e);
        for (String cut : new String[]{" Operating system name", " ---(start of nested stack traces)", " at "}) {
            int i = m.indexOf(cut);
            if (i > 0) {
                m = m.substring(0, i);
            }
        }
        m = m.replaceAll("(?:/[^\\s/:\"]+)+/([^\\s/:\"]+)", "$1");
        return m.length() > 300 ? m.substring(0, 300) : m;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        return (e.getClass().getSimpleName() + ": " + m).replaceAll("\\s+", " ").trim();
    }

    @Override
    public void attachThread() {
        context.makeCurrent();
    }

    @Override
    public String deviceName() {
        return name;
    }

    /** Compute capability, e.g. {@code 9.0}. */
    public String computeCapability() {
        return ccMajor + "." + ccMinor;
    }

    /** The driver's CUDA version, e.g. 12040 for 12.4. */
    public int driverVersion() {
        return driverVersion;
    }

    /** Why cuBLAS is not used ("" when it is). */
    public String cublasReason() {
        return cublasReason;
    }

    @Override
    public long totalMemoryBytes() {
        return total;
    }

    @Override
    public long freeMemoryBytes() {
        long[] free = new long[1];
        long[] tot = new long[1];
        Check.cu(cuMemGetInfo(free, tot), "cuMemGetInfo");
        return free[0];
    }

    @Override
    public String gemmImplementation() {
        return cublas != null ? "cublas" : "ptx";
    }

    private CUstream stream(StreamKind s) {
        return switch (s) {
            case COMPUTE -> compute.handle();
            case COPY -> copy.handle();
            case HOST -> throw new IllegalArgumentException("Invalid device stream: " + s);
        };
    }

    private static CUdeviceptr dptr(DevicePtr p) {
        return ((DeviceMemory) p.buffer()).ptr().withByteOffset(p.offset());
    }

    @Override
    public DeviceBuffer allocate(long bytes, StreamKind s) {
        CUdeviceptr p = new CUdeviceptr();
        Check.cu(cuMemAllocAsync(p, Math.max(1, bytes), stream(s)), "cuMemAllocAsync(" + bytes + ")");
        return new DeviceMemory(p, bytes);
    }

    @Override
    public void free(DeviceBuffer buffer, StreamKind s) {
        Check.cu(cuMemFreeAsync(((DeviceMemory) buffer).ptr(), stream(s)), "cuMemFreeAsync");
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        Pointer p = new Pointer();
        Check.cu(cuMemAllocHost(p, Math.max(1, bytes)), "cuMemAllocHost(" + bytes + ")");
        return new PinnedMemory(p, bytes);
    }

    @Override
    public void freeHost(HostBuffer buffer) {
        Check.cu(cuMemFreeHost(((PinnedMemory) buffer).ptr()), "cuMemFreeHost");
    }

    /** A copy past a pinned buffer's end would read or write host memory the JVM owns: refuse it. */
    private static void hostRange(HostBuffer h, long offset, long bytes) {
        if (offset < 0 || offset + bytes > h.bytes()) {
            throw new IllegalArgumentException("Invalid host range: [" + offset + ", " + (offset + bytes) + ") of "
                    + h.bytes() + " bytes");
        }
    }

    @Override
    public void copyToDevice(DevicePtr dst, HostBuffer src, long srcOffset, StreamKind s) {
        hostRange(src, srcOffset, dst.length());
        Check.cu(cuMemcpyHtoDAsync(dptr(dst), ((PinnedMemory) src).ptr().withByteOffset(srcOffset), dst.length(),
                stream(s)), "cuMemcpyHtoDAsync");
    }

    @Override
    public void copyToHost(HostBuffer dst, long dstOffset, DevicePtr src, StreamKind s) {
        hostRange(dst, dstOffset, src.length());
        Check.cu(cuMemcpyDtoHAsync(((PinnedMemory) dst).ptr().withByteOffset(dstOffset), dptr(src), src.length(),
                stream(s)), "cuMemcpyDtoHAsync");
    }

    @Override
    public void zero(DevicePtr dst, StreamKind s) {
        Check.cu(cuMemsetD8Async(dptr(dst), (byte) 0, dst.length(), stream(s)), "cuMemsetD8Async");
    }

    private CUfunction function(String kernel) {
        CUfunction f = functions.get(kernel);
        if (f == null) {
            CudaModule m = kernelModule.get(kernel);
            if (m == null) {
                throw new IllegalArgumentException("No kernel " + kernel + " in the shipped PTX");
            }
            f = m.function(kernel);
            functions.put(kernel, f);
        }
        return f;
    }

    @Override
    public void launch(KernelLaunch l, StreamKind s) {
        Pointer[] args = new Pointer[l.args().size()];
        for (int i = 0; i < args.length; i++) {
            KernelArg a = l.args().get(i);
            if (a instanceof KernelArg.Ptr p) {
                args[i] = Pointer.to(p.ptr().isNull() ? new CUdeviceptr() : dptr(p.ptr()));
            } else if (a instanceof KernelArg.I32 v) {
                args[i] = Pointer.to(new int[]{v.value()});
            } else if (a instanceof KernelArg.I64 v) {
                args[i] = Pointer.to(new long[]{v.value()});
            } else if (a instanceof KernelArg.F32 v) {
                args[i] = Pointer.to(new float[]{v.value()});
            }
        }
        Check.cu(cuLaunchKernel(function(l.kernel()), l.gridX(), l.gridY(), l.gridZ(), l.block(), 1, 1, 0, stream(s),
                Pointer.to(args), null), "cuLaunchKernel(" + l.kernel() + ")");
    }

    @Override
    public void gemm(Gemm g, StreamKind s) {
        if (cublas != null) {
            cublas.gemm(g, stream(s));
        } else {
            launch(PtxGemm.launch(g), s);
        }
    }

    @Override
    public void setGemmWorkspace(DeviceBuffer workspace) {
        if (cublas != null) {
            cublas.setWorkspace((DeviceMemory) workspace);
        }
    }

    @Override
    public DeviceEvent createEvent() {
        return new CudaEvent();
    }

    @Override
    public void record(DeviceEvent event, StreamKind s) {
        Check.cu(cuEventRecord(((CudaEvent) event).handle(), stream(s)), "cuEventRecord");
    }

    @Override
    public void waitFor(StreamKind s, DeviceEvent event) {
        Check.cu(cuStreamWaitEvent(stream(s), ((CudaEvent) event).handle(), 0), "cuStreamWaitEvent");
    }

    @Override
    public void synchronize(DeviceEvent event) {
        Check.cu(cuEventSynchronize(((CudaEvent) event).handle()), "cuEventSynchronize");
    }

    @Override
    public void synchronize() {
        Check.cu(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    @Override
    public float elapsedMs(DeviceEvent from, DeviceEvent to) {
        float[] ms = new float[1];
        Check.cu(cuEventElapsedTime(ms, ((CudaEvent) from).handle(), ((CudaEvent) to).handle()), "cuEventElapsedTime");
        return ms[0];
    }

    private void closeQuietly() {
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception | Error ignored) {
                // releasing after a failure: the first error is the one reported
            }
        }
    }

    /** Releases cuBLAS, the streams, the modules and the context, in reverse order of creation. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            } catch (Exception e) {
                first = first == null ? new CudaException(oneLine(e)) : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
