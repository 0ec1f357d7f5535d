package io.accessplan.cuda.device;

/**
 * A range of a device buffer passed to a kernel or a copy: the kernel reads or writes at most
 * {@code length} bytes from {@code offset}, which the recording layer checks.
 *
 * @param buffer the buffer (null: a null pointer, for optional kernel arguments)
 * @param offset byte offset into it
 * @param length bytes the operation may touch from there
 */
public record DevicePtr(DeviceBuffer buffer, long offset, long length) {
    /** The null pointer. */
    public static final DevicePtr NULL = new DevicePtr(null, 0, 0);

    /** Validates the range. */
    public DevicePtr {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("Invalid device range: offset " + offset + ", length " + length);
        }
        if (buffer != null && offset + length > buffer.bytes()) {
            throw new IllegalArgumentException("Invalid device range: [" + offset + ", " + (offset + length)
                    + ") outside a buffer of " + buffer.bytes() + " bytes");
        }
    }

    /** Whether this is the null pointer. */
    public boolean isNull() {
        return buffer == null;
    }
}
