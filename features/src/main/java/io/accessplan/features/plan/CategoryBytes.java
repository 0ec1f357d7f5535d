package io.accessplan.features.plan;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Device bytes by memory category with every category present: the immutable map of
 * {@link Plan#peakBreakdown()}, one long per category, iterated in the categories' order (as an
 * {@code EnumMap} holding all of them iterates; equal to one, with the same hash and text).
 * {@link #of} reads a category without boxing: a lookup reads two of them for each of its few
 * dozen plans, which an {@code EnumMap} of boxed longs behind an unmodifiable view made cost more
 * than the arithmetic around them.
 */
final class CategoryBytes extends AbstractMap<MemoryCategory, Long> {
    private static final MemoryCategory[] CATEGORIES = MemoryCategory.values();

    /** The number of categories: the length of a breakdown's array. */
    static final int COUNT = CATEGORIES.length;

    private final long[] bytes;

    /**
     * The map of {@code bytes[c.ordinal()]} for every category {@code c}; the array becomes the
     * map's (its two callers build it for this and keep no reference).
     */
    CategoryBytes(long[] bytes) {
        if (bytes.length != COUNT) {
            throw new IllegalArgumentException("Invalid breakdown: " + bytes.length + " categories, expected " + COUNT);
        }
        this.bytes = bytes;
    }

    /** The bytes of category {@code c}. */
    long of(MemoryCategory c) {
        return bytes[c.ordinal()];
    }

    @Override
    public Long get(Object key) {
        return key instanceof MemoryCategory c ? bytes[c.ordinal()] : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof MemoryCategory;
    }

    @Override
    public int size() {
        return CATEGORIES.length;
    }

    @Override
    public Set<Entry<MemoryCategory, Long>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<MemoryCategory, Long>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < CATEGORIES.length;
                    }

                    @Override
                    public Entry<MemoryCategory, Long> next() {
                        if (next >= CATEGORIES.length) {
                            throw new NoSuchElementException();
                        }
                        MemoryCategory c = CATEGORIES[next++];
                        return new SimpleImmutableEntry<>(c, bytes[c.ordinal()]);
                    }
                };
            }

            @Override
            public int size() {
                return CATEGORIES.length;
            }
        };
    }
}
