package io.accessplan.collector;

/** A backend cannot run on this machine; the message says why in one line. */
public class BackendUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a one-line reason. */
    public BackendUnavailableException(String reason) {
        super(reason);
    }
}
