package io.accessplan.cuda.device;

import java.nio.ByteBuffer;

/** A block of pinned host memory. */
public interface HostBuffer {
    /** Size in bytes. */
    long bytes();

    /** Identifier unique within the device layer that made it. */
    long id();

    /** The memory as a little-endian byte buffer, or null where it is not backed (a recording layer). */
    ByteBuffer memory();
}
