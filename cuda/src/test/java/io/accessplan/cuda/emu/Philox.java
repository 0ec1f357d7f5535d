package io.accessplan.cuda.emu;

/** Host copy of the device's Philox4x32-10 (common.cuh), to compute reference masks and labels. */
public final class Philox {
    private Philox() {
    }

    /** First output word of Philox4x32-10 for a 64-bit key and counter (idx lo, idx hi, word2, 0). */
    public static long first(long seed, long idx, int word2) {
        long kx = seed & 0xffffffffL;
        long ky = (seed >>> 32) & 0xffffffffL;
        long cx = idx & 0xffffffffL;
        long cy = (idx >>> 32) & 0xffffffffL;
        long cz = word2 & 0xffffffffL;
        long cw = 0;
        final long m0 = 0xD2511F53L;
        final long m1 = 0xCD9E8D57L;
        for (int r = 0; r < 10; r++) {
            long p0 = m0 * cx;
            long p1 = m1 * cz;
            long hi0 = p0 >>> 32;
            long lo0 = p0 & 0xffffffffL;
            long hi1 = p1 >>> 32;
            long lo1 = p1 & 0xffffffffL;
            long nx = (hi1 ^ cy ^ kx) & 0xffffffffL;
            long nz = (hi0 ^ cw ^ ky) & 0xffffffffL;
            cx = nx;
            cy = lo1;
            cz = nz;
            cw = lo0;
            kx = (kx + 0x9E3779B9L) & 0xffffffffL;
            ky = (ky + 0xBB67AE85L) & 0xffffffffL;
        }
        return cx;
    }

    /** uniform01 of common.cuh. */
    public static float uniform(long seed, long idx) {
        return (first(seed, idx, 0) >>> 8) * (1.0f / 16777216.0f);
    }

    /** label_of of common.cuh. */
    public static int label(long seed, long idx, int vocab) {
        return (int) (first(seed, idx, 1) % vocab);
    }
}
