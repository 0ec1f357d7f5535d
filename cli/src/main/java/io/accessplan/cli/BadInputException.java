package io.accessplan.cli;

/** Bad input from the user: printed as one line, exit code 2. */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message names the bad value. */
    public BadInputException(String message) {
        super(message);
    }
}
