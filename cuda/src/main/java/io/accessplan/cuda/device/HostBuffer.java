package io.accessplan.cuda.device;

import java.nio.ByteBuffer;

/** A block of pinned host memory. */
public interface HostBuffer {
    /** Size in bytes. */
    long bytes();

    /** Identifier unique within the device layer that made it. */
    long id();

    /** Whether Java can read and write the memory (a recording layer may not back large buffers). */
    boolean backed();

    /**
     * A little-endian view of {@code length} bytes from {@code offset} (views are limited to 2 GiB,
     * so large buffers are read in pieces), or null where the memory is not backed.
     */
    ByteBuffer memory(long offset, int length);
}
