package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.DeviceEvent;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

import java.util.concurrent.atomic.AtomicLong;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;

/** A CUDA event with timing enabled. */
public final class CudaEvent implements DeviceEvent {
    private static final AtomicLong IDS = new AtomicLong();
    private final CUevent event = new CUevent();
    private final long id = IDS.incrementAndGet();
    private boolean open;

    /** Creates the event. */
    public CudaEvent() {
        Check.cu(cuEventCreate(event, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        open = true;
    }

    /** The JCuda handle. */
    public CUevent handle() {
        return event;
    }

    @Override
    public long id() {
        return id;
    }

    /** Destroys the event. */
    @Override
    public void close() {
        if (open) {
            open = false;
            Check.cu(cuEventDestroy(event), "cuEventDestroy");
        }
    }
}
