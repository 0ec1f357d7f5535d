package io.accessplan.features;

import java.util.Arrays;
import java.util.Locale;

/** Validation helpers shared by the records: each failure names the field and the bad value. */
public final class Checks {
    private Checks() {
    }

    /** Rejects a value that is not strictly positive. */
    public static int positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("Invalid " + field + ": " + value + " (must be > 0)");
        }
        return value;
    }

    /** Rejects a value outside [1, max], naming the field, the value and the bound. */
    public static int range(String field, int value, int max) {
        positive(field, value);
        if (value > max) {
            throw new IllegalArgumentException("Invalid " + field + ": " + value + " (must be at most " + max + ")");
        }
        return value;
    }

    /** Rejects a value that is not finite and in (0, max], naming the field, the value and the bound. */
    public static double range(String field, double value, double max) {
        if (!(value > 0 && value <= max)) {
            throw new IllegalArgumentException("Invalid " + field + ": " + value + " (must be > 0 and at most " + max + ")");
        }
        return value;
    }

    /** Rejects a value that is not strictly positive. */
    public static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid " + field + ": " + value + " (must be > 0)");
        }
        return value;
    }

    /** Parses an enum constant by its lower-case name, naming the field and the choices on failure. */
    public static <E extends Enum<E>> E parseEnum(String field, String value, Class<E> type) {
        if (value != null) {
            String key = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(key)) {
                    return e;
                }
            }
        }
        String choices = String.join(", ", Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
        throw new IllegalArgumentException("Unknown " + field + ": " + value + " (expected one of " + choices + ")");
    }
}
