package io.accessplan.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether a usable CUDA device is here, and if not, why, in one line. Probed once per JVM and
 * remembered (an immutable result behind a lazy holder): where {@code libcuda.so.1} is absent,
 * JCuda throws UnsatisfiedLinkError on first use and NoClassDefFoundError ever after, so asking
 * twice would give a worse answer the second time.
 */
public final class CudaProbe {
    private CudaProbe() {
    }

    /** The outcome of the probe. */
    private record Result(boolean available, int devices, String reason) {
    }

    private static final class Holder {
        static final Result RESULT = probe();
    }

    /** Whether at least one CUDA device can be used. */
    public static boolean available() {
        return Holder.RESULT.available();
    }

    /** Devices the driver reports (0 when unavailable). */
    public static int devices() {
        return Holder.RESULT.devices();
    }

    /** One line: why no device can be used, or how many there are. */
    public static String reason() {
        return Holder.RESULT.reason();
    }

    private static Result probe() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return none("cuInit failed: " + CUresult.stringFor(r));
            }
            int[] n = new int[1];
            r = JCudaDriver.cuDeviceGetCount(n);
            if (r != CUresult.CUDA_SUCCESS) {
                return none("cuDeviceGetCount failed: " + CUresult.stringFor(r));
            }
            if (n[0] == 0) {
                return none("the driver reports no CUDA device");
            }
            return new Result(true, n[0], n[0] + " CUDA device(s) available");
        } catch (LinkageError e) {
            return none("libcuda.so.1 could not be loaded (" + linkError(e) + ")");
        } catch (RuntimeException e) {
            return none("the CUDA driver could not be initialised (" + oneLine(e) + ")");
        }
    }

    private static Result none(String why) {
        return new Result(false, 0, "no usable CUDA device: " + why);
    }

    /**
     * The cause of a native library load failure in one line. JCuda's message is a multi-line
     * report of both attempts; the line that matters names the missing shared object.
     */
    static String linkError(LinkageError e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("([\\w.+-]+\\.so[\\w.]*: [^\\n]*)").matcher(m);
        String cause = x.find() ? x.group(1) : m.lines().findFirst().orElse("");
        return oneLine(new LinkageError(cause.trim())).replace("LinkageError", e.getClass().getSimpleName());
    }

    /** A throwable as one short line. */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        String line = (e.getClass().getSimpleName() + ": " + m).replaceAll("\\s+", " ").trim();
        return line.length() > 300 ? line.substring(0, 297) + "..." : line;
    }
}
