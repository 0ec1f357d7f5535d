package io.accessplan.cuda.emu;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceApi;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DeviceEvent;
import io.accessplan.cuda.device.DevicePtr;
import io.accessplan.cuda.device.Gemm;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.cuda.device.KernelArg;
import io.accessplan.cuda.device.KernelLaunch;
import io.accessplan.cuda.exec.HostOptimizer;
import io.accessplan.features.plan.StreamKind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A device layer that computes: every kernel of the shipped PTX re-implemented in Java from its
 * .cu source, run in issue order on heap memory. It lets the executor's operand mapping be
 * checked end to end without a GPU (same gradients for every strategy, gradients equal to
 * finite differences of the loss). It serializes the two streams in issue order, so it cannot
 * detect a missing event wait; the recording layer's trace tests cover those.
 */
public final class EmulatedDeviceApi implements DeviceApi {
    private long nextId = 1;
    private double lossSum;

    private record Buf(long id, long bytes, ByteBuffer mem) implements DeviceBuffer {
    }

    private record Host(long id, long bytes, ByteBuffer heap) implements HostBuffer {
        @Override
        public boolean backed() {
            return true;
        }

        @Override
        public ByteBuffer memory(long offset, int length) {
            return heap.duplicate().position((int) offset).limit((int) offset + length).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private record Ev(long id) implements DeviceEvent {
        @Override
        public void close() {
        }
    }

    /** Sum of every loss a loss kernel has added since the last {@link #takeLoss()}. */
    public double takeLoss() {
        double l = lossSum;
        lossSum = 0;
        return l;
    }

    /** Reads element i of a buffer as the given type (for tests that perturb weights). */
    public static float get(DeviceBuffer b, DType t, long i) {
        return HostOptimizer.load(((Buf) b).mem(), t, i);
    }

    /** Writes element i of a buffer. */
    public static void set(DeviceBuffer b, DType t, long i, float v) {
        HostOptimizer.store(((Buf) b).mem(), t, i, v);
    }

    /** A typed view of a pointer argument. */
    private record V(ByteBuffer m, long off, DType t) {
        float get(long i) {
            return switch (t) {
                case F32 -> m.getFloat((int) (off + 4 * i));
                case F16 -> HostOptimizer.halfToFloat(m.getShort((int) (off + 2 * i)));
                case BF16 -> Float.intBitsToFloat((m.getShort((int) (off + 2 * i)) & 0xffff) << 16);
            };
        }

        void set(long i, double v) {
            float f = (float) v;
            switch (t) {
                case F32 -> m.putFloat((int) (off + 4 * i), f);
                case F16 -> m.putShort((int) (off + 2 * i), HostOptimizer.floatToHalf(f));
                case BF16 -> {
                    int bits = Float.floatToRawIntBits(f);
                    m.putShort((int) (off + 2 * i), (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
                }
            }
        }

        void add(long i, double v) {
            set(i, get(i) + v);
        }

        long getLong(long i) {
            return m.getLong((int) (off + 8 * i));
        }

        void setLong(long i, long v) {
            m.putLong((int) (off + 8 * i), v);
        }

        int getByte(long i) {
            return m.get((int) (off + i));
        }

        void setByte(long i, int v) {
            m.put((int) (off + i), (byte) v);
        }
    }

    @Override
    public String deviceName() {
        return "emulated";
    }

    @Override
    public long totalMemoryBytes() {
        return 1L << 40;
    }

    @Override
    public long freeMemoryBytes() {
        return 1L << 40;
    }

    @Override
    public String gemmImplementation() {
        return "emulated";
    }

    @Override
    public DeviceBuffer allocate(long bytes, StreamKind stream) {
        ByteBuffer m = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        // fresh memory is garbage on a GPU: fill with NaN so a read before a write shows up
        for (int i = 0; i + 4 <= bytes; i += 4) {
            m.putInt(i, 0x7fc00000);
        }
        return new Buf(nextId++, bytes, m);
    }

    @Override
    public void free(DeviceBuffer buffer, StreamKind stream) {
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        return new Host(nextId++, bytes, ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN));
    }

    @Override
    public void freeHost(HostBuffer buffer) {
    }

    private static ByteBuffer mem(DevicePtr p) {
        return ((Buf) p.buffer()).mem();
    }

    @Override
    public void copyToDevice(DevicePtr dst, HostBuffer src, long srcOffset, StreamKind stream) {
        ByteBuffer s = src.memory(srcOffset, (int) dst.length());
        ByteBuffer d = mem(dst).duplicate();
        d.position((int) dst.offset());
        d.put(s);
    }

    @Override
    public void copyToHost(HostBuffer dst, long dstOffset, DevicePtr src, StreamKind stream) {
        ByteBuffer s = mem(src).duplicate();
        s.position((int) src.offset()).limit((int) (src.offset() + src.length()));
        dst.memory(dstOffset, (int) src.length()).put(s);
    }

    @Override
    public void zero(DevicePtr dst, StreamKind stream) {
        ByteBuffer m = mem(dst);
        for (long i = dst.offset(); i < dst.offset() + dst.length(); i++) {
            m.put((int) i, (byte) 0);
        }
    }

    @Override
    public DeviceEvent createEvent() {
        return new Ev(nextId++);
    }

    @Override
    public void record(DeviceEvent event, StreamKind stream) {
    }

    @Override
    public void waitFor(StreamKind stream, DeviceEvent event) {
    }

    @Override
    public void synchronize(DeviceEvent event) {
    }

    @Override
    public void synchronize() {
    }

    @Override
    public float elapsedMs(DeviceEvent from, DeviceEvent to) {
        return 1f;
    }

    @Override
    public void close() {
    }

    // ------------------------------------------------------------------ GEMM

    @Override
    public void gemm(Gemm g, StreamKind stream) {
        V a = new V(mem(g.a()), g.a().offset(), g.type());
        V b = new V(mem(g.b()), g.b().offset(), g.type());
        V c = new V(mem(g.c()), g.c().offset(), g.type());
        for (int z = 0; z < g.batch(); z++) {
            for (int i = 0; i < g.m(); i++) {
                for (int j = 0; j < g.n(); j++) {
                    double s = 0;
                    for (int p = 0; p < g.k(); p++) {
                        float av = g.transA() ? a.get(z * g.strideA() + (long) p * g.lda() + i)
                                : a.get(z * g.strideA() + (long) i * g.lda() + p);
                        float bv = g.transB() ? b.get(z * g.strideB() + (long) j * g.ldb() + p)
                                : b.get(z * g.strideB() + (long) p * g.ldb() + j);
                        s += (double) av * bv;
                    }
                    long o = z * g.strideC() + (long) i * g.ldc() + j;
                    c.set(o, g.alpha() * s + (g.beta() != 0 ? g.beta() * c.get(o) : 0));
                }
            }
        }
    }

    // ------------------------------------------------------------------ kernels

    @Override
    public void launch(KernelLaunch l, StreamKind stream) {
        String name = l.kernel();
        DType t = DType.F32;
        for (DType d : DType.values()) {
            if (name.endsWith("_" + d.suffix())) {
                t = d;
                name = name.substring(0, name.length() - d.suffix().length() - 1);
            }
        }
        List<KernelArg> a = l.args();
        Args x = new Args(a, t);
        switch (name) {
            case "fill_tokens" -> {
                V ids = x.v(0, DType.F32);
                for (long i = 0; i < x.l(1); i++) {
                    ids.setLong(i, Philox.label(x.l(3), x.l(4) + i, (int) x.l(2)));
                }
            }
            case "fill_uniform" -> {
                V y = x.v(0);
                for (long i = 0; i < x.l(1); i++) {
                    y.set(i, x.f(2) + (x.f(3) - x.f(2)) * Philox.uniform(x.l(4), x.l(5) + i));
                }
            }
            case "fill_const" -> {
                V y = x.v(0);
                for (long i = 0; i < x.l(1); i++) {
                    y.set(i, x.f(2));
                }
            }
            case "copy" -> each(x.l(2), i -> x.v(1).set(i, x.v(0).get(i)));
            case "to_f32" -> each(x.l(2), i -> x.v(1, DType.F32).set(i, x.v(0).get(i)));
            case "from_f32" -> each(x.l(2), i -> x.v(1).set(i, x.v(0, DType.F32).get(i)));
            case "add" -> each(x.l(3), i -> x.v(2).set(i, x.v(0).get(i) + x.v(1).get(i)));
            case "accum" -> each(x.l(2), i -> x.v(1).add(i, x.v(0).get(i)));
            case "gelu_fwd" -> each(x.l(2), i -> {
                double v = x.v(0).get(i);
                x.v(1).set(i, 0.5 * v * (1 + Math.tanh(geluArg(v))));
            });
            case "gelu_bwd" -> each(x.l(3), i -> {
                double v = x.v(0).get(i);
                double th = Math.tanh(geluArg(v));
                double d = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * 0.7978845608 * (1 + 3 * 0.044715 * v * v);
                x.v(2).add(i, x.v(1).get(i) * d);
            });
            case "swiglu_fwd", "swiglu_bwd" -> swiglu(x, name.endsWith("bwd"));
            case "dropout_fwd" -> each(x.l(3), i -> {
                boolean keep = Philox.uniform(x.l(5), x.l(6) + i) >= x.f(4);
                x.v(1).setByte(i, keep ? 1 : 0);
                x.v(2).set(i, keep ? x.v(0).get(i) / (1 - x.f(4)) : 0);
            });
            case "dropout_bwd" -> each(x.l(3), i -> x.v(2).add(i,
                    x.v(0).getByte(i) != 0 ? x.v(1).get(i) / (1 - x.f(4)) : 0));
            case "rope" -> rope(x);
            case "mse_fwd" -> {
                double s = 0;
                for (long i = 0; i < x.l(3); i++) {
                    double d = x.v(0).get(i) - x.v(1).get(i);
                    s += d * d;
                }
                x.v(2, DType.F32).add(0, s * x.f(4));
                lossSum += s * x.f(4);
            }
            case "mse_bwd" -> each(x.l(3), i -> x.v(2).add(i, 2 * x.f(4) * (x.v(0).get(i) - x.v(1).get(i))));
            case "embedding_fwd" -> {
                int h = (int) x.l(4);
                each(x.l(3) * h, i -> x.v(2).set(i, x.v(1).get(x.v(0).getLong(i / h) * h + i % h)));
            }
            case "embedding_bwd" -> {
                int h = (int) x.l(4);
                each(x.l(3) * h, i -> x.v(2).add(x.v(0).getLong(i / h) * h + i % h, x.v(1).get(i)));
            }
            case "layernorm_fwd", "rmsnorm_fwd", "layernorm_bwd", "rmsnorm_bwd" -> norm(x, name);
            case "softmax_fwd" -> softmax(x);
            case "softmax_bwd" -> {
                int cols = (int) x.l(4);
                for (long r = 0; r < x.l(3); r++) {
                    double s = 0;
                    for (int j = 0; j < cols; j++) {
                        s += x.v(0).get(r * cols + j) * x.v(1).get(r * cols + j);
                    }
                    for (int j = 0; j < cols; j++) {
                        long o = r * cols + j;
                        x.v(2).add(o, x.v(0).get(o) * (x.v(1).get(o) - s));
                    }
                }
            }
            case "xent_fwd", "xent_bwd" -> xent(x, name.endsWith("bwd"));
            case "attn_fwd" -> attention(x, 0);
            case "attn_bwd_dq" -> attention(x, 1);
            case "attn_bwd_dkv" -> attention(x, 2);
            case "adam" -> each(x.l(5), i -> {
                V w = x.v(0);
                V g = x.v(1);
                V m = x.v(2, DType.F32);
                V v = x.v(3, DType.F32);
                V master = x.v(4, DType.F32);
                float gi = g.get(i);
                float mi = x.f(7) * m.get(i) + (1 - x.f(7)) * gi;
                float vi = x.f(8) * v.get(i) + (1 - x.f(8)) * gi * gi;
                m.set(i, mi);
                v.set(i, vi);
                float p = master != null ? master.get(i) : w.get(i);
                p -= (float) (x.f(6) * (mi / x.f(10)) / (Math.sqrt(vi / x.f(11)) + x.f(9)));
                if (master != null) {
                    master.set(i, p);
                }
                w.set(i, p);
                g.set(i, 0);
            });
            case "sgd" -> each(x.l(4), i -> {
                V w = x.v(0);
                V mom = x.v(2, DType.F32);
                V master = x.v(3, DType.F32);
                float mi = x.f(6) * mom.get(i) + x.v(1).get(i);
                mom.set(i, mi);
                float p = (master != null ? master.get(i) : w.get(i)) - x.f(5) * mi;
                if (master != null) {
                    master.set(i, p);
                }
                w.set(i, p);
                x.v(1).set(i, 0);
            });
            default -> throw new UnsupportedOperationException("no emulation of kernel " + l.kernel());
        }
    }

    private static double geluArg(double x) {
        return 0.7978845608 * (x + 0.044715 * x * x * x);
    }

    private interface LongBody {
        void run(long i);
    }

    private static void each(long n, LongBody body) {
        for (long i = 0; i < n; i++) {
            body.run(i);
        }
    }

    /** Typed access to a launch's arguments. */
    private record Args(List<KernelArg> a, DType t) {
        V v(int i) {
            return v(i, t);
        }

        V v(int i, DType type) {
            DevicePtr p = ((KernelArg.Ptr) a.get(i)).ptr();
            return p.isNull() ? null : new V(mem(p), p.offset(), type);
        }

        long l(int i) {
            KernelArg x = a.get(i);
            return x instanceof KernelArg.I64 v ? v.value() : ((KernelArg.I32) x).value();
        }

        float f(int i) {
            return ((KernelArg.F32) a.get(i)).value();
        }
    }

    private static void swiglu(Args x, boolean bwd) {
        long rows = x.l(bwd ? 3 : 2);
        int f = (int) x.l(bwd ? 4 : 3);
        V gu = x.v(0);
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < f; j++) {
                double g = gu.get(r * 2 * f + j);
                double u = gu.get(r * 2 * f + f + j);
                double sg = 1 / (1 + Math.exp(-g));
                if (!bwd) {
                    x.v(1).set(r * f + j, g * sg * u);
                } else {
                    double d = x.v(1).get(r * f + j);
                    x.v(2).add(r * 2 * f + j, d * u * sg * (1 + g * (1 - sg)));
                    x.v(2).add(r * 2 * f + f + j, d * g * sg);
                }
            }
        }
    }

    private static void rope(Args x) {
        V v = x.v(0);
        long rows = x.l(1);
        int seq = (int) x.l(2);
        int width = (int) x.l(3);
        int rot = (int) x.l(4);
        int hd = (int) x.l(5);
        float sign = x.f(6);
        for (long r = 0; r < rows; r++) {
            for (int c = 0; c < rot; c += 2) {
                int d = c % hd;
                double th = (r % seq) * Math.pow(10000, -(double) d / hd) * sign;
                double a = v.get(r * width + c);
                double b = v.get(r * width + c + 1);
                v.set(r * width + c, a * Math.cos(th) - b * Math.sin(th));
                v.set(r * width + c + 1, a * Math.sin(th) + b * Math.cos(th));
            }
        }
    }

    private static void norm(Args x, String name) {
        boolean rms = name.startsWith("rms");
        boolean bwd = name.endsWith("bwd");
        V in = x.v(0);
        V g = x.v(1);
        int base = bwd ? (rms ? 5 : 6) : (rms ? 3 : 4);
        long rows = x.l(base);
        int cols = (int) x.l(base + 1);
        double eps = x.f(base + 2);
        for (long r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < cols; j++) {
                mean += in.get(r * cols + j);
            }
            mean = rms ? 0 : mean / cols;
            double q = 0;
            for (int j = 0; j < cols; j++) {
                double d = in.get(r * cols + j) - mean;
                q += d * d;
            }
            double rstd = 1 / Math.sqrt(q / cols + eps);
            if (!bwd) {
                V y = x.v(rms ? 2 : 3);
                for (int j = 0; j < cols; j++) {
                    double xh = (in.get(r * cols + j) - mean) * rstd;
                    y.set(r * cols + j, xh * g.get(j) + (rms ? 0 : x.v(2).get(j)));
                }
                continue;
            }
            V dy = x.v(2);
            V dx = x.v(3);
            V dg = x.v(4);
            V db = rms ? null : x.v(5);
            double a = 0;
            double c = 0;
            for (int j = 0; j < cols; j++) {
                double xh = (in.get(r * cols + j) - mean) * rstd;
                double gg = dy.get(r * cols + j) * g.get(j);
                a += gg;
                c += gg * xh;
            }
            a = rms ? 0 : a / cols;
            c /= cols;
            for (int j = 0; j < cols; j++) {
                double xh = (in.get(r * cols + j) - mean) * rstd;
                double d = dy.get(r * cols + j);
                dx.add(r * cols + j, rstd * (d * g.get(j) - a - xh * c));
                dg.add(j, d * xh);
                if (db != null) {
                    db.add(j, d);
                }
            }
        }
    }

    private static void softmax(Args x) {
        long rows = x.l(2);
        int cols = (int) x.l(3);
        boolean causal = x.l(4) != 0;
        int seq = (int) x.l(5);
        for (long r = 0; r < rows; r++) {
            int valid = causal ? (int) (r % seq) + 1 : cols;
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < valid; j++) {
                mx = Math.max(mx, x.v(0).get(r * cols + j));
            }
            double s = 0;
            for (int j = 0; j < valid; j++) {
                s += Math.exp(x.v(0).get(r * cols + j) - mx);
            }
            for (int j = 0; j < cols; j++) {
                x.v(1).set(r * cols + j, j < valid ? Math.exp(x.v(0).get(r * cols + j) - mx) / s : 0);
            }
        }
    }

    private void xent(Args x, boolean bwd) {
        int base = bwd ? 2 : 3;
        long rows = x.l(base);
        int vocab = (int) x.l(base + 1);
        long seed = x.l(base + 2);
        long off = x.l(base + 3);
        double scale = x.f(base + 4);
        for (long r = 0; r < rows; r++) {
            int label = Philox.label(seed, off + r, vocab);
            if (bwd) {
                for (int j = 0; j < vocab; j++) {
                    x.v(1).add(r * vocab + j, scale * (x.v(0, DType.F32).get(r * vocab + j) - (j == label ? 1 : 0)));
                }
                continue;
            }
            V lg = x.v(0);
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                mx = Math.max(mx, lg.get(r * vocab + j));
            }
            double s = 0;
            for (int j = 0; j < vocab; j++) {
                s += Math.exp(lg.get(r * vocab + j) - mx);
            }
            for (int j = 0; j < vocab; j++) {
                x.v(1, DType.F32).set(r * vocab + j, Math.exp(lg.get(r * vocab + j) - mx) / s);
            }
            double loss = scale * (mx + Math.log(s) - lg.get(r * vocab + label));
            x.v(2, DType.F32).add(0, loss);
            lossSum += loss;
        }
    }

    /** Fused attention: part 0 forward, 1 dQ, 2 dK and dV (attention.cu's three kernels). */
    private static void attention(Args x, int part) {
        int d0 = part == 0 ? 3 : 5;
        int b = (int) x.l(d0);
        int s = (int) x.l(d0 + 1);
        int heads = (int) x.l(d0 + 2);
        int kvh = (int) x.l(d0 + 3);
        int hd = (int) x.l(d0 + 4);
        double scale = x.f(d0 + 5);
        boolean causal = x.l(d0 + 6) != 0;
        int h = heads * hd;
        int kv = kvh * hd;
        int width = h + 2 * kv;
        V qkv = x.v(0);
        for (int bb = 0; bb < b; bb++) {
            for (int j = 0; j < heads; j++) {
                int g = j / (heads / kvh);
                double[][] p = new double[s][s];
                for (int i = 0; i < s; i++) {
                    int nk = causal ? i + 1 : s;
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < nk; c++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += qkv.get((long) (bb * s + i) * width + j * hd + d)
                                    * qkv.get((long) (bb * s + c) * width + h + g * hd + d);
                        }
                        p[i][c] = dot * scale;
                        mx = Math.max(mx, p[i][c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < nk; c++) {
                        p[i][c] = Math.exp(p[i][c] - mx);
                        sum += p[i][c];
                    }
                    for (int c = 0; c < nk; c++) {
                        p[i][c] /= sum;
                    }
                    if (part == 0) {
                        x.v(2, DType.F32).set((long) (bb * heads + j) * s + i, mx + Math.log(sum));
                        for (int d = 0; d < hd; d++) {
                            double o = 0;
                            for (int c = 0; c < nk; c++) {
                                o += p[i][c] * qkv.get((long) (bb * s + c) * width + h + kv + g * hd + d);
                            }
                            x.v(1).set((long) (bb * s + i) * h + j * hd + d, o);
                        }
                    }
                }
                if (part == 0) {
                    continue;
                }
                V ctx = x.v(1);
                V dout = x.v(2);
                V dq = x.v(4);
                for (int i = 0; i < s; i++) {
                    double di = 0;
                    for (int d = 0; d < hd; d++) {
                        di += dout.get((long) (bb * s + i) * h + j * hd + d) * ctx.get((long) (bb * s + i) * h + j * hd + d);
                    }
                    int nk = causal ? i + 1 : s;
                    for (int c = 0; c < nk; c++) {
                        double dp = 0;
                        for (int d = 0; d < hd; d++) {
                            dp += dout.get((long) (bb * s + i) * h + j * hd + d)
                                    * qkv.get((long) (bb * s + c) * width + h + kv + g * hd + d);
                        }
                        double ds = p[i][c] * (dp - di);
                        for (int d = 0; d < hd; d++) {
                            if (part == 1) {
                                dq.add((long) (bb * s + i) * width + j * hd + d,
                                        scale * ds * qkv.get((long) (bb * s + c) * width + h + g * hd + d));
                            } else {
                                dq.add((long) (bb * s + c) * width + h + g * hd + d,
                                        scale * ds * qkv.get((long) (bb * s + i) * width + j * hd + d));
                                dq.add((long) (bb * s + c) * width + h + kv + g * hd + d,
                                        p[i][c] * dout.get((long) (bb * s + i) * h + j * hd + d));
                            }
                        }
                    }
                }
            }
        }
    }
}
