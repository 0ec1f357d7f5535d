package io.accessplan.collector;

/**
 * A factory of one kind of backend, found through {@link java.util.ServiceLoader}: the registry
 * ({@link Backends}) maps names to providers, so the collector does not link the CUDA module.
 */
public interface BackendProvider {
    /** The name used with {@code --backend}. */
    String name();

    /**
     * Opens the backend.
     *
     * @throws BackendUnavailableException with a one-line reason when it cannot run here
     *                                     (no GPU, no driver)
     */
    Backend open(BackendOptions options) throws BackendUnavailableException;
}
