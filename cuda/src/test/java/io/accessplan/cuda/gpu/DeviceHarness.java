package io.accessplan.cuda.gpu;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DeviceCall;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.cuda.exec.HostOptimizer;
import io.accessplan.cuda.jcuda.JCudaDeviceApi;
import io.accessplan.features.plan.StreamKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Moves small arrays to and from a real device for the host-reference tests; frees everything on close. */
final class DeviceHarness implements AutoCloseable {
    final JCudaDeviceApi api;
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    DeviceHarness(boolean cublas) {
        api = JCudaDeviceApi.open(0, cublas);
    }

    /** A device copy of values, stored as the given type. */
    DeviceBuffer upload(DType t, float[] values) {
        DeviceBuffer b = zeros((long) values.length * t.bytes());
        HostBuffer h = api.allocateHost(b.bytes());
        try {
            java.nio.ByteBuffer mem = h.memory(0, (int) b.bytes());
            for (int i = 0; i < values.length; i++) {
                HostOptimizer.store(mem, t, i, values[i]);
            }
            api.copyToDevice(b.all(), h, 0, StreamKind.COMPUTE);
            api.synchronize();
        } finally {
            api.freeHost(h);
        }
        return b;
    }

    /** A device copy of 64-bit integers. */
    DeviceBuffer uploadLongs(long[] values) {
        DeviceBuffer b = zeros(8L * values.length);
        HostBuffer h = api.allocateHost(b.bytes());
        try {
            java.nio.ByteBuffer mem = h.memory(0, (int) b.bytes());
            for (int i = 0; i < values.length; i++) {
                mem.putLong(8 * i, values[i]);
            }
            api.copyToDevice(b.all(), h, 0, StreamKind.COMPUTE);
            api.synchronize();
        } finally {
            api.freeHost(h);
        }
        return b;
    }

    /** A zeroed device buffer. */
    DeviceBuffer zeros(long bytes) {
        DeviceBuffer b = api.allocate(bytes, StreamKind.COMPUTE);
        buffers.add(b);
        api.zero(b.all(), StreamKind.COMPUTE);
        return b;
    }

    /** The first n elements of a buffer of the given type, as floats. */
    float[] download(DeviceBuffer b, DType t, int n) {
        HostBuffer h = api.allocateHost(b.bytes());
        try {
            api.synchronize();
            api.copyToHost(h, 0, b.all(), StreamKind.COMPUTE);
            api.synchronize();
            float[] out = new float[n];
            java.nio.ByteBuffer mem = h.memory(0, (int) b.bytes());
            for (int i = 0; i < n; i++) {
                out[i] = HostOptimizer.load(mem, t, i);
            }
            return out;
        } finally {
            api.freeHost(h);
        }
    }

    /** The bytes of a buffer. */
    byte[] bytes(DeviceBuffer b) {
        HostBuffer h = api.allocateHost(b.bytes());
        try {
            api.synchronize();
            api.copyToHost(h, 0, b.all(), StreamKind.COMPUTE);
            api.synchronize();
            byte[] out = new byte[(int) b.bytes()];
            h.memory(0, (int) b.bytes()).get(0, out);
            return out;
        } finally {
            api.freeHost(h);
        }
    }

    /** Issues work and waits for it. */
    void run(DeviceCall... calls) {
        for (DeviceCall c : calls) {
            api.issue(c, StreamKind.COMPUTE);
        }
        api.synchronize();
    }

    /** Values rounded to the type, so host references start from what the device holds. */
    static float[] random(Random r, int n, double scale, DType t) {
        float[] x = new float[n];
        java.nio.ByteBuffer tmp = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            HostOptimizer.store(tmp, t, 0, (float) ((r.nextDouble() * 2 - 1) * scale));
            x[i] = HostOptimizer.load(tmp, t, 0);
        }
        return x;
    }

    @Override
    public void close() {
        try {
            api.synchronize();
            for (DeviceBuffer b : buffers) {
                api.free(b, StreamKind.COMPUTE);
            }
            api.synchronize();
        } finally {
            api.close();
        }
    }
}
