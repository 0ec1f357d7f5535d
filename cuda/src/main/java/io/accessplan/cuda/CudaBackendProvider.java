package io.accessplan.cuda;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.BackendProvider;
import io.accessplan.collector.BackendUnavailableException;
import io.accessplan.cuda.device.CudaException;
import io.accessplan.cuda.device.DeviceOutOfMemoryException;

/** The {@code cuda} backend, found by {@link java.util.ServiceLoader}; opening it without a GPU says why in one line. */
public final class CudaBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "cuda";

    /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
    public CudaBackendProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Backend open(BackendOptions options) throws BackendUnavailableException {
        if (!CudaProbe.available()) {
            throw new BackendUnavailableException(CudaProbe.reason());
        }
        if (options.deviceIndex() >= CudaProbe.devices()) {
            throw new BackendUnavailableException("no usable CUDA device: device index " + options.deviceIndex()
                    + " requested, " + CudaProbe.devices() + " present");
        }
        try {
            return CudaBackend.open(options);
        } catch (CudaException | DeviceOutOfMemoryException | LinkageError e) {
            throw new BackendUnavailableException("no usable CUDA device: " + CudaProbe.oneLine(e));
        }
    }
}
