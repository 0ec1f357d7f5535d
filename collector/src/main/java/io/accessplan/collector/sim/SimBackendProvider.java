package io.accessplan.collector.sim;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.BackendProvider;

/** Registers the simulated GPU under the name {@code sim}; it runs anywhere. */
public final class SimBackendProvider implements BackendProvider {
    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public SimBackendProvider() {
    }

    @Override
    public String name() {
        return SimBackend.NAME;
    }

    @Override
    public Backend open(BackendOptions options) {
        return new SimBackend(options);
    }
}
