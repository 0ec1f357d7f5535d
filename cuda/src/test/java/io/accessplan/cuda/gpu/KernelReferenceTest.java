package io.accessplan.cuda.gpu;

import io.accessplan.cuda.CudaProbe;
import io.accessplan.cuda.emu.Philox;
import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DevicePtr;
import io.accessplan.cuda.device.Gemm;
import io.accessplan.cuda.device.KernelArg;
import io.accessplan.cuda.device.KernelLaunch;
import io.accessplan.cuda.jcuda.PtxGemm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static io.accessplan.cuda.device.KernelArg.f32;
import static io.accessplan.cuda.device.KernelArg.i32;
import static io.accessplan.cuda.device.KernelArg.i64;
import static io.accessplan.cuda.device.KernelArg.ptr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every shipped kernel against a plain Java computation on small inputs (jcuda-vec style). Runs
 * only where a CUDA device is present; elsewhere every test is skipped with the probe's reason.
 */
class KernelReferenceTest {
    private static DeviceHarness gpu;

    @BeforeEach
    void needsADevice() {
        assumeTrue(CudaProbe.available(), CudaProbe.reason());
        if (gpu == null) {
            gpu = new DeviceHarness(true);
        }
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private static double tol(DType t) {
        return switch (t) {
            case F32 -> 1e-4;
            case F16 -> 6e-3;
            case BF16 -> 4e-2;
        };
    }

    private static void near(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            assertTrue(Math.abs(e - actual[i]) <= tol * (1 + Math.abs(e)),
                    what + "[" + i + "]: expected " + e + ", got " + actual[i]);
        }
    }

    private static KernelLaunch ew(String kernel, long n, KernelArg... args) {
        return new KernelLaunch(kernel, (int) Math.max(1, (n + 255) / 256), 1, 1, 256, List.of(args));
    }

    private static KernelLaunch rows(String kernel, long rows, KernelArg... args) {
        return new KernelLaunch(kernel, (int) rows, 1, 1, 256, List.of(args));
    }

    private static String k(String base, DType t) {
        return base + "_" + t.suffix();
    }

    // ------------------------------------------------------------------ GEMM

    @ParameterizedTest
    @EnumSource(DType.class)
    void gemmMatchesTheHostProductForEveryTranspositionInBothImplementations(DType t) {
        Random r = new Random(1);
        int m = 37;
        int n = 45;
        int kk = 29;
        int batch = 2;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                int aRows = ta ? kk : m;
                int aCols = ta ? m : kk;
                int bRows = tb ? n : kk;
                int bCols = tb ? kk : n;
                int lda = aCols + 3;
                int ldb = bCols + 2;
                int ldc = n + 1;
                long sa = (long) aRows * lda;
                long sb = (long) bRows * ldb;
                long sc = (long) m * ldc;
                float[] a = DeviceHarness.random(r, (int) (sa * batch), 1, t);
                float[] b = DeviceHarness.random(r, (int) (sb * batch), 1, t);
                float[] c0 = DeviceHarness.random(r, (int) (sc * batch), 1, t);
                float alpha = 0.75f;
                float beta = 0.5f;
                float[] expected = c0.clone();
                for (int z = 0; z < batch; z++) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double s = 0;
                            for (int p = 0; p < kk; p++) {
                                double av = ta ? a[(int) (z * sa + (long) p * lda + i)] : a[(int) (z * sa + (long) i * lda + p)];
                                double bv = tb ? b[(int) (z * sb + (long) j * ldb + p)] : b[(int) (z * sb + (long) p * ldb + j)];
                                s += av * bv;
                            }
                            int o = (int) (z * sc + (long) i * ldc + j);
                            expected[o] = (float) (alpha * s + beta * c0[o]);
                        }
                    }
                }
                for (boolean viaApi : new boolean[]{false, true}) {
                    DeviceBuffer da = gpu.upload(t, a);
                    DeviceBuffer db = gpu.upload(t, b);
                    DeviceBuffer dc = gpu.upload(t, c0);
                    Gemm g = new Gemm(t, ta, tb, m, n, kk, da.all(), lda, sa, db.all(), ldb, sb, dc.all(), ldc, sc,
                            batch, alpha, beta);
                    gpu.run(viaApi ? g : PtxGemm.launch(g));
                    near(expected, gpu.download(dc, t, expected.length), tol(t) * 2,
                            (viaApi ? gpu.api.gemmImplementation() : "ptx") + " gemm " + t + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    // ------------------------------------------------------------------ pointwise

    private static double geluArg(double x) {
        return 0.7978845608 * (x + 0.044715 * x * x * x);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void geluForwardAndBackwardMatchTheTanhFormula(DType t) {
        Random r = new Random(2);
        int n = 1000;
        float[] x = DeviceHarness.random(r, n, 3, t);
        float[] dy = DeviceHarness.random(r, n, 1, t);
        float[] dx0 = DeviceHarness.random(r, n, 1, t);
        float[] y = new float[n];
        float[] dx = new float[n];
        for (int i = 0; i < n; i++) {
            double th = Math.tanh(geluArg(x[i]));
            y[i] = (float) (0.5 * x[i] * (1 + th));
            double d = 0.5 * (1 + th) + 0.5 * x[i] * (1 - th * th) * 0.7978845608 * (1 + 3 * 0.044715 * x[i] * x[i]);
            dx[i] = (float) (dx0[i] + dy[i] * d);
        }
        DeviceBuffer dxb = gpu.upload(t, x);
        DeviceBuffer dyb = gpu.zeros((long) n * t.bytes());
        DeviceBuffer ddy = gpu.upload(t, dy);
        DeviceBuffer ddx = gpu.upload(t, dx0);
        gpu.run(ew(k("gelu_fwd", t), n, ptr(dxb.all()), ptr(dyb.all()), i64(n)),
                ew(k("gelu_bwd", t), n, ptr(dxb.all()), ptr(ddy.all()), ptr(ddx.all()), i64(n)));
        near(y, gpu.download(dyb, t, n), tol(t), "gelu");
        near(dx, gpu.download(ddx, t, n), tol(t), "gelu backward accumulates");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void residualAddAccumulateAndCopy(DType t) {
        Random r = new Random(3);
        int n = 777;
        float[] a = DeviceHarness.random(r, n, 1, t);
        float[] b = DeviceHarness.random(r, n, 1, t);
        float[] sum = new float[n];
        float[] twice = new float[n];
        for (int i = 0; i < n; i++) {
            sum[i] = a[i] + b[i];
            twice[i] = b[i] + a[i] + a[i];
        }
        DeviceBuffer da = gpu.upload(t, a);
        DeviceBuffer db = gpu.upload(t, b);
        DeviceBuffer dy = gpu.zeros((long) n * t.bytes());
        DeviceBuffer dc = gpu.zeros((long) n * t.bytes());
        DeviceBuffer f = gpu.zeros(4L * n);
        gpu.run(ew(k("add", t), n, ptr(da.all()), ptr(db.all()), ptr(dy.all()), i64(n)),
                ew(k("accum", t), n, ptr(da.all()), ptr(db.all()), i64(n)),
                ew(k("accum", t), n, ptr(da.all()), ptr(db.all()), i64(n)),
                ew(k("copy", t), n, ptr(da.all()), ptr(dc.all()), i64(n)),
                ew(k("to_f32", t), n, ptr(da.all()), ptr(f.all()), i64(n)));
        near(sum, gpu.download(dy, t, n), tol(t), "add");
        near(twice, gpu.download(db, t, n), tol(t), "accum");
        near(a, gpu.download(dc, t, n), 0, "copy");
        near(a, gpu.download(f, DType.F32, n), 0, "to_f32");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void swigluForwardAndBackward(DType t) {
        Random r = new Random(4);
        int rowsN = 7;
        int f = 13;
        float[] gu = DeviceHarness.random(r, rowsN * 2 * f, 2, t);
        float[] dy = DeviceHarness.random(r, rowsN * f, 1, t);
        float[] y = new float[rowsN * f];
        float[] dgu = new float[rowsN * 2 * f];
        for (int i = 0; i < rowsN; i++) {
            for (int j = 0; j < f; j++) {
                double g = gu[i * 2 * f + j];
                double u = gu[i * 2 * f + f + j];
                double sg = 1 / (1 + Math.exp(-g));
                y[i * f + j] = (float) (g * sg * u);
                double d = dy[i * f + j];
                dgu[i * 2 * f + j] = (float) (d * u * sg * (1 + g * (1 - sg)));
                dgu[i * 2 * f + f + j] = (float) (d * g * sg);
            }
        }
        DeviceBuffer dg = gpu.upload(t, gu);
        DeviceBuffer dyb = gpu.upload(t, dy);
        DeviceBuffer out = gpu.zeros((long) rowsN * f * t.bytes());
        DeviceBuffer dgb = gpu.zeros((long) rowsN * 2 * f * t.bytes());
        gpu.run(ew(k("swiglu_fwd", t), (long) rowsN * f, ptr(dg.all()), ptr(out.all()), i64(rowsN), i32(f)),
                ew(k("swiglu_bwd", t), (long) rowsN * f, ptr(dg.all()), ptr(dyb.all()), ptr(dgb.all()), i64(rowsN),
                        i32(f)));
        near(y, gpu.download(out, t, y.length), tol(t), "swiglu");
        near(dgu, gpu.download(dgb, t, dgu.length), tol(t), "swiglu backward");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void dropoutDrawsTheCounterBasedMaskAndScales(DType t) {
        Random r = new Random(5);
        int n = 4096;
        float p = 0.1f;
        long seed = 0x1234_5678_9abcL;
        long offset = 777;
        float[] x = DeviceHarness.random(r, n, 1, t);
        float[] dy = DeviceHarness.random(r, n, 1, t);
        float[] y = new float[n];
        float[] dx = new float[n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            boolean keep = Philox.uniform(seed, offset + i) >= p;
            kept += keep ? 1 : 0;
            y[i] = keep ? x[i] / (1 - p) : 0;
            dx[i] = keep ? dy[i] / (1 - p) : 0;
        }
        assertTrue(Math.abs(kept / (double) n - 0.9) < 0.03, "the host generator keeps about 90%: " + kept);
        DeviceBuffer dxin = gpu.upload(t, x);
        DeviceBuffer mask = gpu.zeros(n);
        DeviceBuffer out = gpu.zeros((long) n * t.bytes());
        DeviceBuffer ddy = gpu.upload(t, dy);
        DeviceBuffer ddx = gpu.zeros((long) n * t.bytes());
        KernelLaunch fwd = ew(k("dropout_fwd", t), n, ptr(dxin.all()), ptr(mask.all()), ptr(out.all()), i64(n), f32(p),
                i64(seed), i64(offset));
        gpu.run(fwd, ew(k("dropout_bwd", t), n, ptr(mask.all()), ptr(ddy.all()), ptr(ddx.all()), i64(n), f32(p)));
        near(y, gpu.download(out, t, n), tol(t), "dropout");
        near(dx, gpu.download(ddx, t, n), tol(t), "dropout backward");
        byte[] first = gpu.bytes(mask);
        gpu.run(fwd);
        assertTrue(java.util.Arrays.equals(first, gpu.bytes(mask)), "a recomputation redraws the same mask");
    }

    @Test
    void fillKernelsDrawFromTheCounterBasedGenerator() {
        int n = 500;
        long seed = 42;
        DeviceBuffer ids = gpu.zeros(8L * n);
        DeviceBuffer u = gpu.zeros(4L * n);
        gpu.run(ew("fill_tokens", n, ptr(ids.all()), i64(n), i32(1000), i64(seed), i64(10)),
                ew("fill_uniform_f32", n, ptr(u.all()), i64(n), f32(-1), f32(1), i64(seed), i64(10)));
        byte[] raw = gpu.bytes(ids);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] uniform = gpu.download(u, DType.F32, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Philox.label(seed, 10 + i, 1000), bb.getLong(8 * i), "token " + i);
            assertEquals(-1 + 2 * Philox.uniform(seed, 10 + i), uniform[i], 1e-6, "uniform " + i);
        }
    }

    // ------------------------------------------------------------------ row-wise

    @ParameterizedTest
    @EnumSource(DType.class)
    void softmaxForwardCausalAndBackward(DType t) {
        Random r = new Random(6);
        int seq = 37;
        int rowsN = 2 * seq;
        float[] x = DeviceHarness.random(r, rowsN * seq, 4, t);
        float[] dy = DeviceHarness.random(r, rowsN * seq, 1, t);
        for (int causal = 0; causal < 2; causal++) {
            float[] y = new float[x.length];
            float[] dx = new float[x.length];
            for (int i = 0; i < rowsN; i++) {
                int valid = causal == 1 ? i % seq + 1 : seq;
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < valid; j++) {
                    mx = Math.max(mx, x[i * seq + j]);
                }
                double s = 0;
                for (int j = 0; j < valid; j++) {
                    s += Math.exp(x[i * seq + j] - mx);
                }
                double dot = 0;
                for (int j = 0; j < seq; j++) {
                    y[i * seq + j] = j < valid ? (float) (Math.exp(x[i * seq + j] - mx) / s) : 0;
                    dot += y[i * seq + j] * dy[i * seq + j];
                }
                for (int j = 0; j < seq; j++) {
                    dx[i * seq + j] = (float) (y[i * seq + j] * (dy[i * seq + j] - dot));
                }
            }
            DeviceBuffer dxin = gpu.upload(t, x);
            DeviceBuffer out = gpu.zeros((long) x.length * t.bytes());
            DeviceBuffer ddy = gpu.upload(t, dy);
            DeviceBuffer ddx = gpu.zeros((long) x.length * t.bytes());
            gpu.run(rows(k("softmax_fwd", t), rowsN, ptr(dxin.all()), ptr(out.all()), i64(rowsN), i32(seq), i32(causal),
                    i32(seq)));
            float[] got = gpu.download(out, t, x.length);
            near(y, got, tol(t), "softmax causal=" + causal);
            gpu.run(rows(k("softmax_bwd", t), rowsN, ptr(out.all()), ptr(ddy.all()), ptr(ddx.all()), i64(rowsN),
                    i32(seq)));
            near(dx, gpu.download(ddx, t, x.length), tol(t) * 2, "softmax backward causal=" + causal);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void layerNormAndRmsNormForwardAndBackward(DType t) {
        Random r = new Random(7);
        int rowsN = 45;   // more than one block of NORM_ROWS = 32 in backward
        int h = 70;
        float eps = 1e-5f;
        float[] x = DeviceHarness.random(r, rowsN * h, 2, t);
        float[] g = DeviceHarness.random(r, h, 1, t);
        float[] b = DeviceHarness.random(r, h, 1, t);
        float[] dy = DeviceHarness.random(r, rowsN * h, 1, t);
        for (boolean rms : new boolean[]{false, true}) {
            float[] y = new float[x.length];
            float[] dx = new float[x.length];
            float[] dg = new float[h];
            float[] db = new float[h];
            for (int i = 0; i < rowsN; i++) {
                double mean = 0;
                double q = 0;
                for (int j = 0; j < h; j++) {
                    mean += x[i * h + j];
                }
                mean = rms ? 0 : mean / h;
                for (int j = 0; j < h; j++) {
                    q += (x[i * h + j] - mean) * (x[i * h + j] - mean);
                }
                double rstd = 1 / Math.sqrt(q / h + eps);
                double a = 0;
                double c = 0;
                for (int j = 0; j < h; j++) {
                    double xh = (x[i * h + j] - mean) * rstd;
                    y[i * h + j] = (float) (xh * g[j] + (rms ? 0 : b[j]));
                    double gg = dy[i * h + j] * g[j];
                    a += gg;
                    c += gg * xh;
                    dg[j] += (float) (dy[i * h + j] * xh);
                    db[j] += dy[i * h + j];
                }
                a = rms ? 0 : a / h;
                c /= h;
                for (int j = 0; j < h; j++) {
                    double xh = (x[i * h + j] - mean) * rstd;
                    dx[i * h + j] = (float) (rstd * (dy[i * h + j] * g[j] - a - xh * c));
                }
            }
            DeviceBuffer dxin = gpu.upload(t, x);
            DeviceBuffer dgam = gpu.upload(t, g);
            DeviceBuffer dbet = gpu.upload(t, b);
            DeviceBuffer out = gpu.zeros((long) x.length * t.bytes());
            DeviceBuffer ddy = gpu.upload(t, dy);
            DeviceBuffer ddx = gpu.zeros((long) x.length * t.bytes());
            DeviceBuffer gg = gpu.zeros((long) h * 4);
            DeviceBuffer gb = gpu.zeros((long) h * 4);
            int grid = (rowsN + 31) / 32;
            if (rms) {
                gpu.run(rows(k("rmsnorm_fwd", t), rowsN, ptr(dxin.all()), ptr(dgam.all()), ptr(out.all()), i64(rowsN),
                        i32(h), f32(eps)),
                        new KernelLaunch(k("rmsnorm_bwd", t), grid, 1, 1, 256, List.of(ptr(dxin.all()),
                                ptr(dgam.all()), ptr(ddy.all()), ptr(ddx.all()), ptr(gg.at(0, (long) h * t.bytes())),
                                i64(rowsN), i32(h), f32(eps))));
            } else {
                gpu.run(rows(k("layernorm_fwd", t), rowsN, ptr(dxin.all()), ptr(dgam.all()), ptr(dbet.all()),
                        ptr(out.all()), i64(rowsN), i32(h), f32(eps)),
                        new KernelLaunch(k("layernorm_bwd", t), grid, 1, 1, 256, List.of(ptr(dxin.all()),
                                ptr(dgam.all()), ptr(ddy.all()), ptr(ddx.all()),
                                ptr(gg.at(0, (long) h * t.bytes())), ptr(gb.at(0, (long) h * t.bytes())), i64(rowsN),
                                i32(h), f32(eps))));
                near(db, gpu.download(gb, t, h), tol(t) * 4, "layernorm dbeta");
            }
            String n = rms ? "rmsnorm" : "layernorm";
            near(y, gpu.download(out, t, x.length), tol(t) * 2, n);
            near(dx, gpu.download(ddx, t, x.length), tol(t) * 4, n + " backward");
            near(dg, gpu.download(gg, t, h), tol(t) * 4, n + " dgamma");
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void crossEntropyAgainstHostLabels(DType t) {
        Random r = new Random(8);
        int rowsN = 9;
        int v = 50;
        long seed = 99;
        long offset = 5;
        float scale = 1f / rowsN;
        float[] logits = DeviceHarness.random(r, rowsN * v, 3, t);
        float[] probs = new float[logits.length];
        float[] dl = new float[logits.length];
        double loss = 0;
        for (int i = 0; i < rowsN; i++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                mx = Math.max(mx, logits[i * v + j]);
            }
            double s = 0;
            for (int j = 0; j < v; j++) {
                s += Math.exp(logits[i * v + j] - mx);
            }
            int label = Philox.label(seed, offset + i, v);
            loss += scale * (mx + Math.log(s) - logits[i * v + label]);
            for (int j = 0; j < v; j++) {
                probs[i * v + j] = (float) (Math.exp(logits[i * v + j] - mx) / s);
                dl[i * v + j] = scale * (probs[i * v + j] - (j == label ? 1 : 0));
            }
        }
        DeviceBuffer dlog = gpu.upload(t, logits);
        DeviceBuffer dp = gpu.zeros(4L * logits.length);
        DeviceBuffer dloss = gpu.zeros(4);
        DeviceBuffer ddl = gpu.zeros((long) logits.length * t.bytes());
        gpu.run(rows(k("xent_fwd", t), rowsN, ptr(dlog.all()), ptr(dp.all()), ptr(dloss.all()), i64(rowsN), i32(v),
                        i64(seed), i64(offset), f32(scale)),
                ew(k("xent_bwd", t), (long) rowsN * v, ptr(dp.all()), ptr(ddl.all()), i64(rowsN), i32(v), i64(seed),
                        i64(offset), f32(scale)));
        near(probs, gpu.download(dp, DType.F32, probs.length), 1e-5, "cross-entropy probabilities");
        near(new float[]{(float) loss}, gpu.download(dloss, DType.F32, 1), 1e-4, "cross-entropy loss");
        near(dl, gpu.download(ddl, t, dl.length), tol(t), "cross-entropy backward");
    }

    @Test
    void mseLossAndGradient() {
        Random r = new Random(9);
        int n = 300;
        float scale = 1f / n;
        float[] x = DeviceHarness.random(r, n, 1, DType.F32);
        float[] tg = DeviceHarness.random(r, n, 1, DType.F32);
        double loss = 0;
        float[] dx = new float[n];
        for (int i = 0; i < n; i++) {
            loss += scale * (x[i] - tg[i]) * (x[i] - tg[i]);
            dx[i] = 2 * scale * (x[i] - tg[i]);
        }
        DeviceBuffer dxin = gpu.upload(DType.F32, x);
        DeviceBuffer dt = gpu.upload(DType.F32, tg);
        DeviceBuffer dl = gpu.zeros(4);
        DeviceBuffer ddx = gpu.zeros(4L * n);
        gpu.run(ew("mse_fwd_f32", n, ptr(dxin.all()), ptr(dt.all()), ptr(dl.all()), i64(n), f32(scale)),
                ew("mse_bwd_f32", n, ptr(dxin.all()), ptr(dt.all()), ptr(ddx.all()), i64(n), f32(scale)));
        near(new float[]{(float) loss}, gpu.download(dl, DType.F32, 1), 1e-5, "mse");
        near(dx, gpu.download(ddx, DType.F32, n), 1e-5, "mse backward");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void embeddingGatherAndScatterAdd(DType t) {
        Random r = new Random(10);
        int tok = 10;
        int h = 8;
        int v = 6;
        long[] ids = new long[tok];
        for (int i = 0; i < tok; i++) {
            ids[i] = r.nextInt(v);
        }
        float[] table = DeviceHarness.random(r, v * h, 1, t);
        float[] dy = DeviceHarness.random(r, tok * h, 1, t);
        float[] y = new float[tok * h];
        float[] dt = new float[v * h];
        for (int i = 0; i < tok; i++) {
            for (int j = 0; j < h; j++) {
                y[i * h + j] = table[(int) ids[i] * h + j];
                dt[(int) ids[i] * h + j] += dy[i * h + j];
            }
        }
        DeviceBuffer di = gpu.uploadLongs(ids);
        DeviceBuffer dtab = gpu.upload(t, table);
        DeviceBuffer out = gpu.zeros((long) tok * h * t.bytes());
        DeviceBuffer ddy = gpu.upload(t, dy);
        DeviceBuffer dg = gpu.zeros((long) v * h * t.bytes());
        gpu.run(ew(k("embedding_fwd", t), (long) tok * h, ptr(di.all()), ptr(dtab.all()), ptr(out.all()), i64(tok),
                        i32(h)),
                ew(k("embedding_bwd", t), (long) tok * h, ptr(di.all()), ptr(ddy.all()), ptr(dg.all()), i64(tok),
                        i32(h)));
        near(y, gpu.download(out, t, y.length), 0, "embedding");
        near(dt, gpu.download(dg, t, dt.length), tol(t) * 2, "embedding scatter-add");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void adamAndSgdUpdateWeightsMasterAndZeroTheGradient(DType t) {
        Random r = new Random(11);
        int n = 100;
        float[] w = DeviceHarness.random(r, n, 1, t);
        float[] g = DeviceHarness.random(r, n, 1, t);
        float[] m0 = DeviceHarness.random(r, n, 0.1, DType.F32);
        float[] v0 = new float[n];
        for (int i = 0; i < n; i++) {
            v0[i] = Math.abs(m0[i]) * 0.01f;
        }
        float lr = 1e-2f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float eps = 1e-8f;
        int step = 3;
        float bc1 = (float) (1 - Math.pow(b1, step));
        float bc2 = (float) (1 - Math.pow(b2, step));
        float[] adamW = new float[n];
        float[] sgdW = new float[n];
        for (int i = 0; i < n; i++) {
            double m = b1 * m0[i] + (1 - b1) * g[i];
            double vv = b2 * v0[i] + (1 - b2) * g[i] * g[i];
            adamW[i] = (float) (w[i] - lr * (m / bc1) / (Math.sqrt(vv / bc2) + eps));
            sgdW[i] = (float) (w[i] - lr * (0.9 * m0[i] + g[i]));
        }
        boolean mixed = t != DType.F32;
        for (boolean adam : new boolean[]{true, false}) {
            DeviceBuffer dw = gpu.upload(t, w);
            DeviceBuffer dg = gpu.upload(t, g);
            DeviceBuffer dm = gpu.upload(DType.F32, m0);
            DeviceBuffer dv = gpu.upload(DType.F32, v0);
            DeviceBuffer master = mixed ? gpu.upload(DType.F32, w) : null;
            DevicePtr mp = master == null ? DevicePtr.NULL : master.all();
            gpu.run(adam
                    ? ew(k("adam", t), n, ptr(dw.all()), ptr(dg.all()), ptr(dm.all()), ptr(dv.all()), ptr(mp), i64(n),
                    f32(lr), f32(b1), f32(b2), f32(eps), f32(bc1), f32(bc2))
                    : ew(k("sgd", t), n, ptr(dw.all()), ptr(dg.all()), ptr(dm.all()), ptr(mp), i64(n), f32(lr),
                    f32(0.9)));
            float[] expected = adam ? adamW : sgdW;
            near(expected, gpu.download(dw, t, n), tol(t), (adam ? "adam" : "sgd") + " weights");
            if (mixed) {
                near(expected, gpu.download(master, DType.F32, n), 1e-5, (adam ? "adam" : "sgd") + " master");
            }
            near(new float[n], gpu.download(dg, t, n), 0, "gradient zeroed");
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void ropeRotatesPairsAndItsInverseRestores(DType t) {
        Random r = new Random(12);
        int seq = 6;
        int rowsN = 2 * seq;
        int hd = 8;
        int h = 16;
        int kv = 8;
        int width = h + 2 * kv;
        int rot = h + kv;
        float[] x = DeviceHarness.random(r, rowsN * width, 1, t);
        float[] y = x.clone();
        for (int i = 0; i < rowsN; i++) {
            for (int c = 0; c < rot; c += 2) {
                int d = c % hd;
                double th = (i % seq) * Math.pow(10000, -(double) d / hd);
                double a = x[i * width + c];
                double b = x[i * width + c + 1];
                y[i * width + c] = (float) (a * Math.cos(th) - b * Math.sin(th));
                y[i * width + c + 1] = (float) (a * Math.sin(th) + b * Math.cos(th));
            }
        }
        DeviceBuffer dx = gpu.upload(t, x);
        long pairs = (long) rowsN * rot / 2;
        gpu.run(ew(k("rope", t), pairs, ptr(dx.all()), i64(rowsN), i32(seq), i32(width), i32(rot), i32(hd), f32(1)));
        near(y, gpu.download(dx, t, y.length), tol(t) * 2, "rope");
        gpu.run(ew(k("rope", t), pairs, ptr(dx.all()), i64(rowsN), i32(seq), i32(width), i32(rot), i32(hd), f32(-1)));
        near(x, gpu.download(dx, t, x.length), tol(t) * 4, "inverse rope");
    }

    // ------------------------------------------------------------------ fused attention

    @ParameterizedTest
    @EnumSource(DType.class)
    void fusedAttentionMatchesNaiveAttentionForwardAndBackward(DType t) {
        Random r = new Random(13);
        int b = 2;
        int s = 150;   // more than one key chunk of 128
        int heads = 4;
        int kvh = 2;
        int hd = 16;
        int h = heads * hd;
        int kv = kvh * hd;
        int width = h + 2 * kv;
        double scale = 1 / Math.sqrt(hd);
        for (int causal = 0; causal < 2; causal++) {
            float[] qkv = DeviceHarness.random(r, b * s * width, 1, t);
            float[] dout = DeviceHarness.random(r, b * s * h, 1, t);
            float[] ctx = new float[b * s * h];
            float[] lse = new float[b * heads * s];
            float[] dqkv = new float[qkv.length];
            for (int bb = 0; bb < b; bb++) {
                for (int j = 0; j < heads; j++) {
                    int g = j / (heads / kvh);
                    double[][] p = new double[s][s];
                    double[] di = new double[s];
                    for (int i = 0; i < s; i++) {
                        int nk = causal == 1 ? i + 1 : s;
                        double mx = Double.NEGATIVE_INFINITY;
                        for (int c = 0; c < nk; c++) {
                            double dot = 0;
                            for (int d = 0; d < hd; d++) {
                                dot += qkv[(bb * s + i) * width + j * hd + d] * qkv[(bb * s + c) * width + h + g * hd + d];
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
                        lse[(bb * heads + j) * s + i] = (float) (mx + Math.log(sum));
                        for (int d = 0; d < hd; d++) {
                            double o = 0;
                            for (int c = 0; c < nk; c++) {
                                o += p[i][c] * qkv[(bb * s + c) * width + h + kv + g * hd + d];
                            }
                            ctx[(bb * s + i) * h + j * hd + d] = (float) o;
                        }
                    }
                    for (int i = 0; i < s; i++) {
                        for (int d = 0; d < hd; d++) {
                            di[i] += dout[(bb * s + i) * h + j * hd + d] * ctx[(bb * s + i) * h + j * hd + d];
                        }
                    }
                    for (int i = 0; i < s; i++) {
                        int nk = causal == 1 ? i + 1 : s;
                        for (int c = 0; c < nk; c++) {
                            double dp = 0;
                            for (int d = 0; d < hd; d++) {
                                dp += dout[(bb * s + i) * h + j * hd + d] * qkv[(bb * s + c) * width + h + kv + g * hd + d];
                            }
                            double ds = p[i][c] * (dp - di[i]);
                            for (int d = 0; d < hd; d++) {
                                dqkv[(bb * s + i) * width + j * hd + d] += (float) (scale * ds
                                        * qkv[(bb * s + c) * width + h + g * hd + d]);
                                dqkv[(bb * s + c) * width + h + g * hd + d] += (float) (scale * ds
                                        * qkv[(bb * s + i) * width + j * hd + d]);
                                dqkv[(bb * s + c) * width + h + kv + g * hd + d] += (float) (p[i][c]
                                        * dout[(bb * s + i) * h + j * hd + d]);
                            }
                        }
                    }
                }
            }
            DeviceBuffer dq = gpu.upload(t, qkv);
            DeviceBuffer dc = gpu.zeros((long) ctx.length * t.bytes());
            DeviceBuffer dl = gpu.zeros(4L * lse.length);
            DeviceBuffer ddo = gpu.upload(t, dout);
            DeviceBuffer ddq = gpu.zeros((long) qkv.length * t.bytes());
            List<KernelArg> dims = List.of(i32(b), i32(s), i32(heads), i32(kvh), i32(hd), f32(scale), i32(causal));
            List<KernelArg> fa = new java.util.ArrayList<>(List.of(ptr(dq.all()), ptr(dc.all()), ptr(dl.all())));
            fa.addAll(dims);
            gpu.run(new KernelLaunch(k("attn_fwd", t), s, heads, b, 128, fa));
            near(ctx, gpu.download(dc, t, ctx.length), tol(t) * 2, "fused attention causal=" + causal);
            near(lse, gpu.download(dl, DType.F32, lse.length), tol(t), "log-sum-exp causal=" + causal);
            List<KernelArg> ba = new java.util.ArrayList<>(List.of(ptr(dq.all()), ptr(dc.all()), ptr(ddo.all()),
                    ptr(dl.all()), ptr(ddq.all())));
            ba.addAll(dims);
            gpu.run(new KernelLaunch(k("attn_bwd_dq", t), s, heads, b, 128, ba),
                    new KernelLaunch(k("attn_bwd_dkv", t), s, kvh, b, 128, ba));
            near(dqkv, gpu.download(ddq, t, dqkv.length), tol(t) * 4, "fused attention backward causal=" + causal);
        }
    }
}
