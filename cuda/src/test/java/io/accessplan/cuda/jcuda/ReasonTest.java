package io.accessplan.cuda.jcuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Provenance keeps facts about the run: why cuBLAS did not load, without JCuda's stack traces or host paths. */
class ReasonTest {
    @Test
    void aLibraryThatDidNotLoadIsRecordedWithoutStackTracesOrPaths() {
        // the message JCuda 12.6 gave on the H200 (datasets/data/cuda-h200/provenance, before it was scrubbed), shortened
        String jcuda = "Error while loading native library \"JCublas2-12.6.0-linux-x86_64\"\nOperating system name: Linux\n"
                + "Architecture : amd64\n---(start of nested stack traces)---\nStack trace from the attempt to load the library"
                + " as a file:\njava.lang.UnsatisfiedLinkError: no JCublas2-12.6.0-linux-x86_64 in java.library.path:"
                + " /usr/local/nvidia/lib64:/usr/lib\n\tat java.base/java.lang.ClassLoader.loadLibrary(Unknown Source)";
        assertEquals("UnsatisfiedLinkError: Error while loading native library \"JCublas2-12.6.0-linux-x86_64\"",
                JCudaDeviceApi.reason(new UnsatisfiedLinkError(jcuda)));
        assertEquals("UnsatisfiedLinkError: libJCublas2.so: libcublas.so.12: cannot open shared object file",
                JCudaDeviceApi.reason(new UnsatisfiedLinkError(
                        "/tmp/x/libJCublas2.so: libcublas.so.12: cannot open shared object file")));
    }
}
