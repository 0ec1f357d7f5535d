package io.accessplan.features.plan;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plan's breakdown map reads, compares, hashes, prints and iterates as the {@code EnumMap} of
 * every category it replaced, and cannot be changed.
 */
class CategoryBytesTest {

    @Test
    void itIsTheEnumMapOfEveryCategoryInEveryWayAMapIsRead() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            long[] bytes = new long[MemoryCategory.values().length];
            EnumMap<MemoryCategory, Long> want = new EnumMap<>(MemoryCategory.class);
            for (MemoryCategory c : MemoryCategory.values()) {
                bytes[c.ordinal()] = r.nextInt(4) == 0 ? 0 : r.nextLong(1L << 40);
                want.put(c, bytes[c.ordinal()]);
            }
            CategoryBytes got = new CategoryBytes(bytes);
            assertEquals(want, got);
            assertEquals(got, want);
            assertEquals(want.hashCode(), got.hashCode());
            assertEquals(want.toString(), got.toString());
            assertEquals(want.size(), got.size());
            assertEquals(java.util.List.copyOf(want.entrySet()), java.util.List.copyOf(got.entrySet()));
            for (MemoryCategory c : MemoryCategory.values()) {
                assertEquals(want.get(c), got.get(c));
                assertEquals(want.get(c), got.getOrDefault(c, 7L));
                assertEquals((long) want.get(c), got.of(c));
                assertTrue(got.containsKey(c));
            }
        }
        CategoryBytes m = new CategoryBytes(new long[MemoryCategory.values().length]);
        assertNull(m.get("ACTIVATIONS"));
        assertFalse(m.containsKey("ACTIVATIONS"));
        assertEquals(5L, m.getOrDefault("ACTIVATIONS", 5L));
        assertThrows(UnsupportedOperationException.class, () -> m.put(MemoryCategory.WEIGHTS, 1L));
        assertThrows(UnsupportedOperationException.class, () -> m.remove(MemoryCategory.WEIGHTS));
        Iterator<Map.Entry<MemoryCategory, Long>> it = m.entrySet().iterator();
        Map.Entry<MemoryCategory, Long> first = it.next();
        assertThrows(UnsupportedOperationException.class, () -> first.setValue(2L));
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertThrows(IllegalArgumentException.class, () -> new CategoryBytes(new long[3]));
    }
}
