package io.accessplan.model.train;

import java.util.Map;

/**
 * The hyperparameters a model file records ({@link TrainOptions#hyperparameters()}), read back:
 * each key as the type its trainer's options declare, a missing key as that trainer's default
 * (files written before a setting was recorded), a value of the wrong type named in one line.
 */
final class RecordedSettings {
    private final Map<String, Object> m;

    RecordedSettings(Map<String, Object> m) {
        this.m = m;
    }

    /** An integer setting, or {@code otherwise} where the file has none. */
    int integer(String key, int otherwise) {
        long v = longInteger(key, otherwise);
        if (v != (int) v) {
            throw new IllegalArgumentException("Invalid recorded " + key + ": " + v + " (expected an integer)");
        }
        return (int) v;
    }

    /** A long setting, or {@code otherwise} where the file has none. */
    long longInteger(String key, long otherwise) {
        Object v = m.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("Invalid recorded " + key + ": " + v + " (expected an integer)");
        }
        return n.longValue();
    }

    /** A numeric setting, or {@code otherwise} where the file has none. */
    double number(String key, double otherwise) {
        Object v = m.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("Invalid recorded " + key + ": " + v + " (expected a number)");
        }
        return n.doubleValue();
    }

    /** A text setting, or {@code otherwise} where the file has none. */
    String text(String key, String otherwise) {
        Object v = m.get(key);
        return v == null ? otherwise : String.valueOf(v);
    }
}
