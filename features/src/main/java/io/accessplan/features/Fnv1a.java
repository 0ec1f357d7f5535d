package io.accessplan.features;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit FNV-1a hash (Fowler, Noll and Vo; IETF draft-eastlake-fnv, section 2) of a text's
 * UTF-8 bytes: the one hash behind workload ids, sweep fingerprints and named random streams, so
 * that an id written by one module is the id every other module computes.
 */
public final class Fnv1a {
    /** The 64-bit offset basis. */
    public static final long OFFSET_BASIS = 0xcbf29ce484222325L;
    /** The 64-bit FNV prime, 2^40 + 2^8 + 0xb3. */
    public static final long PRIME = 0x100000001b3L;

    private Fnv1a() {
    }

    /** The hash of the text. */
    public static long hash64(String text) {
        return hash64(OFFSET_BASIS, text);
    }

    /** The hash of the text from another start value (a seed mixed into the basis). */
    public static long hash64(long start, String text) {
        long h = start;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= PRIME;
        }
        return h;
    }

    /** The hash of the text as 16 lowercase hex digits. */
    public static String hex64(String text) {
        return String.format("%016x", hash64(text));
    }
}
