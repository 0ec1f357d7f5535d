package io.accessplan.cuda.device;

/** An allocation did not fit: past the emulated capacity, or refused by the driver. */
public class DeviceOutOfMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long attemptedBytes;

    /** Creates the exception with the device bytes in use had the allocation succeeded. */
    public DeviceOutOfMemoryException(String message, long attemptedBytes) {
        super(message);
        this.attemptedBytes = attemptedBytes;
    }

    /** Device bytes in use had the allocation succeeded: the attempted peak. */
    public long attemptedBytes() {
        return attemptedBytes;
    }
}
