package io.accessplan.cuda;

import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.BackendProvider;
import io.accessplan.collector.BackendUnavailableException;
import io.accessplan.collector.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Opening the cuda backend where there is no GPU: one line that says why, no crash, the same answer every time. */
class CudaBackendProviderTest {

    @Test
    void providerIsRegisteredUnderTheNameCuda() {
        assertTrue(Backends.providers().stream().map(BackendProvider::name).anyMatch("cuda"::equals));
    }

    @Test
    void openingWithoutAGpuSaysWhyInOneLine() {
        assumeFalse(CudaProbe.available(), "a CUDA device is present: " + CudaProbe.reason());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("cuda", BackendOptions.defaults()));
        String m = e.getMessage();
        assertTrue(m.startsWith("no usable CUDA device: "), m);
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
        assertTrue(m.length() < 400, m);
    }

    @Test
    void probingTwiceGivesTheSameAnswerWithoutCrashing() {
        String first = CudaProbe.reason();
        boolean available = CudaProbe.available();
        assumeFalse(available, "a CUDA device is present: " + first);
        BackendUnavailableException a = assertThrows(BackendUnavailableException.class,
                () -> new CudaBackendProvider().open(BackendOptions.defaults()));
        BackendUnavailableException b = assertThrows(BackendUnavailableException.class,
                () -> new CudaBackendProvider().open(new BackendOptions(1L << 30, 0, 3)));
        assertEquals(a.getMessage(), b.getMessage());
        assertEquals(first, CudaProbe.reason());
        assertEquals(0, CudaProbe.devices());
    }
}
