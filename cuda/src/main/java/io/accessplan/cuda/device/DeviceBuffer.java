package io.accessplan.cuda.device;

/** A block of device memory, released through the {@link DeviceAllocator} or {@link DeviceApi} that made it. */
public interface DeviceBuffer {
    /** Size in bytes. */
    long bytes();

    /** Identifier unique within the device layer that made it (for traces and checks). */
    long id();

    /** A pointer into this buffer at a byte offset, covering {@code length} bytes. */
    default DevicePtr at(long offset, long length) {
        return new DevicePtr(this, offset, length);
    }

    /** A pointer to the whole buffer. */
    default DevicePtr all() {
        return new DevicePtr(this, 0, bytes());
    }
}
