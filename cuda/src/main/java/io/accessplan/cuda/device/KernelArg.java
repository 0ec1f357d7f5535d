package io.accessplan.cuda.device;

/** One argument of a kernel launch, typed as the kernel's C signature declares it. */
public sealed interface KernelArg {
    /** A device pointer ({@code T*}). */
    record Ptr(DevicePtr ptr) implements KernelArg {
    }

    /** A 32-bit integer ({@code int}). */
    record I32(int value) implements KernelArg {
    }

    /** A 64-bit integer ({@code long long}, {@code unsigned long long}). */
    record I64(long value) implements KernelArg {
    }

    /** A 32-bit float. */
    record F32(float value) implements KernelArg {
    }

    /** Shorthand for a pointer argument. */
    static KernelArg ptr(DevicePtr p) {
        return new Ptr(p);
    }

    /** Shorthand for an int argument. */
    static KernelArg i32(long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Invalid int kernel argument: " + v);
        }
        return new I32((int) v);
    }

    /** Shorthand for a 64-bit argument. */
    static KernelArg i64(long v) {
        return new I64(v);
    }

    /** Shorthand for a float argument. */
    static KernelArg f32(double v) {
        return new F32((float) v);
    }
}
