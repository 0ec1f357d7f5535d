package io.accessplan.cuda.exec;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.features.OptimizerKind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.LongStream;

/**
 * The optimizer update of optimizer offload, on CPU threads over pinned host memory, as
 * ZeRO-Offload does it [1]: gradients come down in the training precision, the fp32 master
 * weights and moments live on the host, and the updated weights go back up in the training
 * precision. Host state layout: [fp32 master | moment 1 | moment 2 (Adam)], so that in fp32
 * training the first {@code 4P} bytes are the weights the planner copies back. In mixed
 * precision the 16-bit weights are written over the host gradient buffer (its gradients are
 * consumed by then), from which the executor copies them back. Work is split in chunks of
 * {@link #CHUNK} parameters over the common fork-join pool; each chunk reads its own views, so
 * buffers larger than 2 GiB work.
 *
 * <p>Same hyper-parameters as the device kernels ({@link OpBinder}), so offloaded and device
 * updates agree to rounding. [1] J. Ren et al., ZeRO-Offload, USENIX ATC 2021.
 */
public final class HostOptimizer {
    /** Parameters per chunk of work. */
    public static final int CHUNK = 1 << 18;

    private HostOptimizer() {
    }

    /**
     * Sets the master weights from the device's initial weights and zeroes the moments.
     *
     * @param weights host copy of the working weights, in the training precision
     * @param state   host optimizer state
     * @param type    training precision
     * @param n       parameters
     */
    public static void init(HostBuffer weights, HostBuffer state, DType type, long n) {
        int moments = (int) (state.bytes() / (4 * n)) - 1;
        chunks(n).forEach(c -> {
            long start = c * CHUNK;
            int len = (int) Math.min(CHUNK, n - start);
            ByteBuffer w = weights.memory(start * type.bytes(), len * type.bytes());
            FloatBuffer master = floats(state, start, len);
            for (int i = 0; i < len; i++) {
                master.put(i, load(w, type, i));
            }
            for (int k = 1; k <= moments; k++) {
                FloatBuffer m = floats(state, k * n + start, len);
                for (int i = 0; i < len; i++) {
                    m.put(i, 0f);
                }
            }
        });
    }

    /**
     * One update of every parameter.
     *
     * @param grads     host gradients in the training precision; in mixed precision receives the new weights
     * @param state     host optimizer state
     * @param type      training precision
     * @param optimizer Adam or SGD
     * @param n         parameters
     * @param step      steps taken so far plus one
     * @param lossScale the scale the gradients carry
     */
    public static void update(HostBuffer grads, HostBuffer state, DType type, OptimizerKind optimizer, long n, int step,
                              float lossScale) {
        double bc1 = 1 - Math.pow(OpBinder.ADAM_B1, step);
        double bc2 = 1 - Math.pow(OpBinder.ADAM_B2, step);
        boolean adam = optimizer == OptimizerKind.ADAM;
        chunks(n).forEach(c -> {
            long start = c * CHUNK;
            int len = (int) Math.min(CHUNK, n - start);
            ByteBuffer g = grads.memory(start * type.bytes(), len * type.bytes());
            FloatBuffer master = floats(state, start, len);
            FloatBuffer m1 = floats(state, n + start, len);
            FloatBuffer m2 = adam ? floats(state, 2 * n + start, len) : null;
            for (int i = 0; i < len; i++) {
                float gi = load(g, type, i);
                float p = master.get(i);
                if (adam) {
                    float m = OpBinder.ADAM_B1 * m1.get(i) + (1 - OpBinder.ADAM_B1) * gi;
                    float v = OpBinder.ADAM_B2 * m2.get(i) + (1 - OpBinder.ADAM_B2) * gi * gi;
                    m1.put(i, m);
                    m2.put(i, v);
                    p -= (float) (OpBinder.ADAM_LR * (m / bc1) / (Math.sqrt(v / bc2) + OpBinder.ADAM_EPS));
                } else {
                    float m = OpBinder.SGD_MOMENTUM * m1.get(i) + gi;
                    m1.put(i, m);
                    p -= OpBinder.SGD_LR / lossScale * m;
                }
                master.put(i, p);
                if (type != DType.F32) {
                    store(g, type, i, p);
                }
            }
        });
    }

    private static LongStream chunks(long n) {
        return LongStream.range(0, (n + CHUNK - 1) / CHUNK).parallel();
    }

    /** fp32 elements [first, first + len) of a host buffer. */
    private static FloatBuffer floats(HostBuffer b, long first, int len) {
        return b.memory(first * 4, len * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /** Element i of a buffer of the given type, as a float. */
    public static float load(ByteBuffer b, DType type, long i) {
        int idx = (int) i;
        return switch (type) {
            case F32 -> b.order(ByteOrder.LITTLE_ENDIAN).getFloat(idx * 4);
            case F16 -> halfToFloat(b.order(ByteOrder.LITTLE_ENDIAN).getShort(idx * 2));
            case BF16 -> Float.intBitsToFloat((b.order(ByteOrder.LITTLE_ENDIAN).getShort(idx * 2) & 0xffff) << 16);
        };
    }

    /** Stores a float as element i of a buffer of the given type (round to nearest even). */
    public static void store(ByteBuffer b, DType type, long i, float v) {
        int idx = (int) i;
        switch (type) {
            case F32 -> b.order(ByteOrder.LITTLE_ENDIAN).putFloat(idx * 4, v);
            case F16 -> b.order(ByteOrder.LITTLE_ENDIAN).putShort(idx * 2, floatToHalf(v));
            case BF16 -> {
                int bits = Float.floatToRawIntBits(v);
                int r = Float.isNaN(v) ? 0x7fc0 : (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
                b.order(ByteOrder.LITTLE_ENDIAN).putShort(idx * 2, (short) r);
            }
        }
    }

    /** IEEE half to float (Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float to IEEE half, rounding to nearest even, overflowing to infinity. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float a = Math.abs(f);
        if (a >= 65520f) {
            return (short) (sign | 0x7c00);
        }
        if (a < 0x1p-14f) {   // subnormal half: a multiple of 2^-24, rounded to nearest even by rint
            return (short) (sign | (int) Math.rint(a * 0x1p24f));
        }
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }
}
