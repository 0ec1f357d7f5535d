package io.accessplan.cuda.device;

/** A CUDA event: recorded on a stream, waited on by another, and used for timing. */
public interface DeviceEvent extends AutoCloseable {
    /** Identifier unique within the device layer that made it. */
    long id();

    /** Destroys the event. */
    @Override
    void close();
}
