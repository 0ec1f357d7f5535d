package io.accessplan.cuda.device;

import io.accessplan.features.plan.StreamKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Live, peak and cap accounting of the allocator. */
class DeviceAllocatorTest {

    @Test
    void tracksLiveAndPeakBytesWithTheReservation() {
        RecordingDeviceApi api = new RecordingDeviceApi(1L << 30, "ptx");
        DeviceAllocator a = new DeviceAllocator(api, 0);
        a.reserve(100);
        DeviceBuffer x = a.allocate(1000, StreamKind.COMPUTE);
        DeviceBuffer y = a.allocate(500, StreamKind.COPY);
        a.free(x, StreamKind.COMPUTE);
        DeviceBuffer z = a.allocate(200, StreamKind.COMPUTE);
        assertEquals(100 + 500 + 200, a.liveBytes());
        assertEquals(100 + 1000 + 500, a.peakBytes());
        a.free(y, StreamKind.COPY);
        a.free(z, StreamKind.COMPUTE);
        assertEquals(0, api.liveBuffers());
    }

    @Test
    void anAllocationPastTheCapThrowsWithTheAttemptedTotalAndAllocatesNothing() {
        RecordingDeviceApi api = new RecordingDeviceApi(1L << 30, "ptx");
        DeviceAllocator a = new DeviceAllocator(api, 1000);
        a.reserve(300);
        a.allocate(600, StreamKind.COMPUTE);
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                () -> a.allocate(200, StreamKind.COMPUTE));
        assertEquals(1100, e.attemptedBytes());
        assertEquals(1, api.liveBuffers());
        assertEquals(900, a.peakBytes());
    }

    @Test
    void aDriverRefusalCarriesTheAttemptedTotalToo() {
        RecordingDeviceApi api = new RecordingDeviceApi(1000, "ptx");
        DeviceAllocator a = new DeviceAllocator(api, 0);
        a.reserve(50);
        a.allocate(900, StreamKind.COMPUTE);
        assertEquals(1150, assertThrows(DeviceOutOfMemoryException.class,
                () -> a.allocate(200, StreamKind.COMPUTE)).attemptedBytes());
    }
}
