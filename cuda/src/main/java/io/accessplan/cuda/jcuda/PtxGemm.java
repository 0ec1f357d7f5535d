package io.accessplan.cuda.jcuda;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.Gemm;
import io.accessplan.cuda.device.KernelLaunch;

import java.util.List;

import static io.accessplan.cuda.device.KernelArg.f32;
import static io.accessplan.cuda.device.KernelArg.i32;
import static io.accessplan.cuda.device.KernelArg.i64;
import static io.accessplan.cuda.device.KernelArg.ptr;

/** The launch of the shipped GEMM (gemm.cu) for a {@link Gemm}: 64x64 tiles, one grid layer per batch entry. */
public final class PtxGemm {
    /** Tile edge of gemm.cu (TM = TN). */
    public static final int TILE = 64;

    private PtxGemm() {
    }

    /** The kernel launch computing a GEMM. */
    public static KernelLaunch launch(Gemm g) {
        int block = g.type() == DType.F32 ? 256 : 128;
        return new KernelLaunch("gemm_" + g.type().suffix(), (g.n() + TILE - 1) / TILE, (g.m() + TILE - 1) / TILE,
                g.batch(), block, List.of(ptr(g.a()), ptr(g.b()), ptr(g.c()), i32(g.m()), i32(g.n()), i32(g.k()),
                i32(g.lda()), i32(g.ldb()), i32(g.ldc()), i64(g.strideA()), i64(g.strideB()), i64(g.strideC()),
                i32(g.transA() ? 1 : 0), i32(g.transB() ? 1 : 0), f32(g.alpha()), f32(g.beta())));
    }
}
