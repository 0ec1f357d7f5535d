package io.accessplan.datasets;

/**
 * A dataset part that cannot be trusted: empty, truncated, not Parquet, failing a page checksum,
 * not decoding, or holding a value the schema does not allow. The message is one line naming the
 * part and what is wrong with it.
 */
public final class DamagedPartException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The part's location. */
    private final String part;

    /**
     * Creates the exception.
     *
     * @param part  the part's path or URI
     * @param why   what is wrong, one line
     * @param cause the decoder's failure, or null
     */
    public DamagedPartException(String part, String why, Throwable cause) {
        super("Damaged dataset part " + part + ": " + why, cause);
        this.part = part;
    }

    /** The part's path or URI. */
    public String part() {
        return part;
    }
}
