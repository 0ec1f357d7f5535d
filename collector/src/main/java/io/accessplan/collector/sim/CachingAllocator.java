package io.accessplan.collector.sim;

/**
 * The device memory a schedule holds through PyTorch's caching allocator (SimBackend's reference
 * [7], c10/cuda/CUDACachingAllocator.cpp): every block is a multiple of 512 bytes; requests of at
 * most 1 MiB share 2 MiB segments of the small pool; larger requests get segments rounded up to
 * 2 MiB. Static tensors hold their own segment; the dynamic ones are tallied by pool as they are
 * allocated and freed, and the tally remembers its peak.
 */
final class CachingAllocator {
    /** Every block is a multiple of 512 bytes (kMinBlockSize) [7]. */
    static final long BLOCK_BYTES = 512;
    /** Largest "small" request, 1 MiB (kSmallSize) [7]. */
    static final long SMALL_REQUEST_BYTES = 1L << 20;
    /** Small requests are packed into 2 MiB segments (kSmallBuffer) [7]. */
    static final long SMALL_SEGMENT_BYTES = 2L << 20;
    /** Large requests are rounded up to 2 MiB (kRoundLarge) [7]. */
    static final long LARGE_ROUND_BYTES = 2L << 20;

    private long large;
    private long small;
    private long peak;

    /** A request rounded to whole 512-byte blocks (at least one) [7]. */
    static long roundBlock(long bytes) {
        return Math.max(BLOCK_BYTES, roundUp(bytes, BLOCK_BYTES));
    }

    /** Device memory a static tensor holds: a small block, or a large segment rounded to 2 MiB. */
    static long largeOrBlock(long bytes) {
        long b = roundBlock(bytes);
        return b <= SMALL_REQUEST_BYTES ? roundUp(b, SMALL_SEGMENT_BYTES) : roundUp(b, LARGE_ROUND_BYTES);
    }

    /** A dynamic tensor of {@code bytes} allocated ({@code alloc}) or freed. */
    void change(long bytes, boolean alloc) {
        long b = roundBlock(bytes);
        long sign = alloc ? 1 : -1;
        if (b <= SMALL_REQUEST_BYTES) {
            small += sign * b;
        } else {
            large += sign * roundUp(b, LARGE_ROUND_BYTES);
        }
        long dynamic = large + roundUp(small, SMALL_SEGMENT_BYTES);
        if (dynamic > peak) {
            peak = dynamic;
        }
    }

    /** The most dynamic device memory held at once so far. */
    long peakBytes() {
        return peak;
    }

    private static long roundUp(long x, long unit) {
        return (x + unit - 1) / unit * unit;
    }
}
