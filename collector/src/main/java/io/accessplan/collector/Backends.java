package io.accessplan.collector;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The registry of backends: names to providers, discovered with {@link ServiceLoader}. */
public final class Backends {
    private Backends() {
    }

    /** Every provider on the class path. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> out = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(out::add);
        return out;
    }

    /** Opens the named backend, or says which names exist. */
    public static Backend open(String name, BackendOptions options) throws BackendUnavailableException {
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) {
                return p.open(options);
            }
        }
        throw new IllegalArgumentException("Unknown backend: " + name + " (expected one of "
                + String.join(", ", providers().stream().map(BackendProvider::name).toList()) + ")");
    }
}
