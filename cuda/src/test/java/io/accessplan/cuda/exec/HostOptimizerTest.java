package io.accessplan.cuda.exec;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.cuda.device.RecordingDeviceApi;
import io.accessplan.features.OptimizerKind;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The host optimizer and its number conversions against direct formulas. */
class HostOptimizerTest {

    @Test
    void halfConversionsMatchIeeeValues() {
        assertEquals((short) 0x3c00, HostOptimizer.floatToHalf(1f));
        assertEquals((short) 0xc000, HostOptimizer.floatToHalf(-2f));
        assertEquals((short) 0x7bff, HostOptimizer.floatToHalf(65504f));
        assertEquals((short) 0x7c00, HostOptimizer.floatToHalf(1e6f));
        assertEquals((short) 0x0001, HostOptimizer.floatToHalf(0x1p-24f));
        assertEquals(0x1p-24f, HostOptimizer.halfToFloat((short) 0x0001));
        assertEquals(0.333251953125f, HostOptimizer.halfToFloat(HostOptimizer.floatToHalf(1f / 3)));
        for (int bits = 0; bits < 0x7c00; bits++) {   // every finite positive half survives a round trip
            assertEquals((short) bits, HostOptimizer.floatToHalf(HostOptimizer.halfToFloat((short) bits)));
        }
    }

    @Test
    void bf16StoresRoundToNearestEven() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        HostOptimizer.store(b, DType.BF16, 0, 1.00390625f);   // halfway between 1 and 1.0078125: even is 1
        assertEquals(1f, HostOptimizer.load(b, DType.BF16, 0));
        HostOptimizer.store(b, DType.BF16, 1, 3.14159f);
        assertEquals(3.140625f, HostOptimizer.load(b, DType.BF16, 1));
    }

    @Test
    void adamUpdateMatchesTheFormulaAndWritesSixteenBitWeights() {
        int n = 3;
        RecordingDeviceApi api = new RecordingDeviceApi(1L << 20, "ptx");
        HostBuffer grads = api.allocateHost(2L * n);
        HostBuffer weights = api.allocateHost(2L * n);
        HostBuffer state = api.allocateHost(4L * 3 * n);
        float[] w0 = {0.5f, -0.25f, 1f};
        float[] g = {0.1f, -0.2f, 0f};
        for (int i = 0; i < n; i++) {
            HostOptimizer.store(weights.memory(0, 2 * n), DType.F16, i, w0[i]);
            HostOptimizer.store(grads.memory(0, 2 * n), DType.F16, i, g[i]);
        }
        HostOptimizer.init(weights, state, DType.F16, n);
        HostOptimizer.update(grads, state, DType.F16, OptimizerKind.ADAM, n, 1, 1f);
        for (int i = 0; i < n; i++) {
            double gi = HostOptimizer.halfToFloat(HostOptimizer.floatToHalf(g[i]));
            double m = 0.1 * gi;
            double v = 0.001 * gi * gi;
            double expected = w0[i] - 1e-3 * (m / 0.1) / (Math.sqrt(v / 0.001) + 1e-8);
            assertEquals(expected, state.memory(0, 4 * 3 * n).getFloat(4 * i), 1e-6, "master " + i);
            assertEquals(HostOptimizer.halfToFloat(HostOptimizer.floatToHalf((float) expected)),
                    HostOptimizer.load(grads.memory(0, 2 * n), DType.F16, i), 0.0,
                    "16-bit weights written over the gradients");
        }
    }

    @Test
    void sgdUpdatesAcrossChunkBoundariesInFp32() {
        long n = HostOptimizer.CHUNK + 5;
        RecordingDeviceApi api = new RecordingDeviceApi(1L << 20, "ptx");
        HostBuffer grads = api.allocateHost(4 * n);
        HostBuffer weights = api.allocateHost(4 * n);
        HostBuffer state = api.allocateHost(4 * 2 * n);
        ByteBuffer gw = grads.memory(0, (int) (4 * n));
        ByteBuffer ww = weights.memory(0, (int) (4 * n));
        for (int i = 0; i < n; i++) {
            HostOptimizer.store(gw, DType.F32, i, i % 7 - 3);
            HostOptimizer.store(ww, DType.F32, i, 1);
        }
        HostOptimizer.init(weights, state, DType.F32, n);
        HostOptimizer.update(grads, state, DType.F32, OptimizerKind.SGD, n, 1, 1f);
        ByteBuffer st = state.memory(0, (int) (8 * n));
        for (int i = 0; i < n; i += 4099) {
            assertEquals(1 - 1e-2f * (i % 7 - 3), HostOptimizer.load(st, DType.F32, i), 1e-7, "weight " + i);
            assertEquals(i % 7 - 3, HostOptimizer.load(st, DType.F32, n + i), 0.0, "momentum " + i);
        }
    }
}
