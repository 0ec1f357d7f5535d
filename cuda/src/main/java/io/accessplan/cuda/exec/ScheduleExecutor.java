package io.accessplan.cuda.exec;

import io.accessplan.cuda.device.DType;
import io.accessplan.cuda.device.DeviceAllocator;
import io.accessplan.cuda.device.DeviceApi;
import io.accessplan.cuda.device.DeviceBuffer;
import io.accessplan.cuda.device.DeviceCall;
import io.accessplan.cuda.device.DeviceEvent;
import io.accessplan.cuda.device.DevicePtr;
import io.accessplan.cuda.device.HostBuffer;
import io.accessplan.features.Precision;
import io.accessplan.features.plan.Location;
import io.accessplan.features.plan.MemoryCategory;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.StreamKind;
import io.accessplan.features.plan.Tensor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Executes a schedule exactly as planned: operations in program order, the body
 * {@link Schedule#repeats()} times then the optimizer tail; kernels on the compute stream,
 * copies and copy-stream allocations on the copy stream, the host optimizer on CPU threads;
 * each {@link Op#waitFor()} as a wait on a CUDA event recorded after the awaited operation
 * (or, for the host, a synchronization on it). Every tensor is a real device allocation made
 * through one {@link DeviceAllocator} when its ALLOC runs and released when its FREE runs, so
 * the allocator's peak is the schedule's peak; static tensors live from {@link #prepare()} to
 * {@link #close()}, the CUDA context as a reservation of {@code contextBytes}.
 *
 * <p>Beyond the schedule (documented in cuda/README.md): gradients and the loss are zeroed when
 * allocated, input data is drawn on the device when its tensor is allocated, and with optimizer
 * offload the device gradients are zeroed on the copy stream after they are copied down.
 *
 * <p>Not thread-safe. Close it in a finally block (try-with-resources): it frees every tensor
 * still live, which after an out-of-memory is most of them.
 */
public final class ScheduleExecutor implements AutoCloseable {
    private final DeviceApi api;
    private final Schedule schedule;
    private final DeviceAllocator allocator;
    private final long contextBytes;
    private final ModelDims dims;
    private final OpBinder binder;
    private final DeviceBuffer[] device;
    private final HostBuffer[] host;
    private final boolean[] isStatic;
    private final DeviceEvent[] events;
    private final List<DeviceEvent> allEvents = new ArrayList<>();
    private int weights = -1;
    private int gradients = -1;
    private int optimizerState = -1;
    private int hostGradients = -1;
    private int steps;
    private DeviceEvent join;
    private boolean prepared;

    /**
     * Creates an executor; nothing is allocated before {@link #prepare()}.
     *
     * @param api          the device layer
     * @param schedule     what to run
     * @param capBytes     memory cap (0: none), the CUDA context included
     * @param contextBytes bytes the CUDA context and loaded modules take (a reservation)
     * @param seed         seed of the weights, data and masks
     */
    public ScheduleExecutor(DeviceApi api, Schedule schedule, long capBytes, long contextBytes, long seed) {
        this.api = api;
        this.schedule = schedule;
        this.allocator = new DeviceAllocator(api, capBytes);
        this.contextBytes = contextBytes;
        this.dims = ModelDims.of(schedule);
        this.binder = new OpBinder(dims, new ParameterMap(schedule), schedule.workload().training().optimizer(), seed);
        int n = schedule.tensors().size();
        this.device = new DeviceBuffer[n];
        this.host = new HostBuffer[n];
        this.isStatic = new boolean[n];
        this.events = new DeviceEvent[schedule.ops().size()];
    }

    /** The allocator: live and peak device bytes of this run. */
    public DeviceAllocator allocator() {
        return allocator;
    }

    /** Allocates the static tensors, initialises weights and optimizer state, creates the events. */
    public ScheduleExecutor prepare() {
        if (prepared) {
            return this;
        }
        prepared = true;
        for (int id : schedule.staticTensors()) {
            Tensor t = schedule.tensors().get(id);
            isStatic[id] = true;
            if (t.location() == Location.HOST) {
                host[id] = api.allocateHost(t.bytes());
            } else if (t.category() == MemoryCategory.CONTEXT) {
                allocator.reserve(contextBytes);
            } else {
                device[id] = allocator.allocate(t.bytes(), StreamKind.COMPUTE);
                if (t.category() == MemoryCategory.WORKSPACE) {
                    api.setGemmWorkspace(device[id]);
                }
            }
        }
        weights = schedule.weights();
        gradients = schedule.gradients();
        optimizerState = schedule.optimizerState();
        hostGradients = schedule.hostGradients();
        if (weights < 0 || gradients < 0 || optimizerState < 0) {
            throw new IllegalStateException("schedule of " + schedule.strategy() + " lacks weights, gradients or "
                    + "optimizer state");
        }
        for (Op op : schedule.ops()) {
            for (int w : op.waitFor()) {
                if (events[w] == null && schedule.ops().get(w).stream() != StreamKind.HOST) {
                    events[w] = api.createEvent();
                    allEvents.add(events[w]);
                }
            }
        }
        for (DeviceCall c : binder.init(buffers())) {
            api.issue(c, StreamKind.COMPUTE);
        }
        if (host[optimizerState] != null) {
            initHostOptimizer();
        }
        api.synchronize();
        return this;
    }

    private void initHostOptimizer() {
        HostBuffer stage = host[hostGradients];
        DeviceBuffer w = device[weights];
        api.copyToHost(stage, 0, w.all(), StreamKind.COPY);
        api.synchronize();
        if (stage.backed() && host[optimizerState].backed()) {
            HostOptimizer.init(stage, host[optimizerState], dims.type(), dims.parameters());
        }
    }

    private OpBinder.Buffers buffers() {
        return new OpBinder.Buffers() {
            @Override
            public DeviceBuffer tensor(int id) {
                DeviceBuffer b = device[id];
                if (b == null) {
                    throw new IllegalStateException("tensor " + schedule.tensors().get(id).name()
                            + " is used while not allocated");
                }
                return b;
            }

            @Override
            public DeviceBuffer weights() {
                return device[weights];
            }

            @Override
            public DeviceBuffer gradients() {
                return device[gradients];
            }

            @Override
            public DeviceBuffer optimizerState() {
                return device[optimizerState];
            }
        };
    }

    /**
     * Issues one training step (asynchronous on the device, except the host optimizer), then
     * joins the copy stream into the compute stream, so that the next step's forward pass sees
     * the weights a host update sent up. The join follows a {@code beginOp(-1, "step.join")} mark.
     */
    public void step() {
        prepare();
        body();
        List<Op> ops = schedule.ops();
        for (int i = schedule.bodyEnd(); i < ops.size(); i++) {
            execute(ops.get(i), 0);
        }
        api.beginOp(-1, STEP_JOIN);
        if (join == null) {
            join = api.createEvent();
            allEvents.add(join);
        }
        api.record(join, StreamKind.COPY);
        api.waitFor(StreamKind.COMPUTE, join);
        steps++;
    }

    /** Name of the trace mark before the end-of-step join. */
    public static final String STEP_JOIN = "step.join";

    private void body() {
        List<Op> ops = schedule.ops();
        for (int micro = 0; micro < schedule.repeats(); micro++) {
            for (int i = 0; i < schedule.bodyEnd(); i++) {
                execute(ops.get(i), micro);
            }
        }
    }

    /** Runs one step between CUDA events on the streams and returns its device time in milliseconds. */
    public float timedStep() {
        prepare();
        try (DeviceEvent start = api.createEvent(); DeviceEvent end = api.createEvent()) {
            api.record(start, StreamKind.COMPUTE);
            api.waitFor(StreamKind.COPY, start);
            step();
            api.record(end, StreamKind.COMPUTE);
            api.synchronize(end);
            return api.elapsedMs(start, end);
        }
    }

    /**
     * Runs the micro-batches of one step without the optimizer and returns the accumulated weight
     * gradients as floats (divided by the loss scale), then zeroes them. Empty where the device
     * layer has no host memory. For checks that every strategy computes the same gradients.
     */
    public float[] gradients() {
        prepare();
        body();
        DeviceBuffer g = device[gradients];
        HostBuffer stage = api.allocateHost(g.bytes());
        try {
            api.copyToHost(stage, 0, g.all(), StreamKind.COMPUTE);
            api.zero(g.all(), StreamKind.COMPUTE);
            api.synchronize();
            if (!stage.backed()) {
                return new float[0];
            }
            int e = dims.type().bytes();
            float[] out = new float[Math.toIntExact(dims.parameters())];
            for (int start = 0; start < out.length; start += HostOptimizer.CHUNK) {
                int len = Math.min(HostOptimizer.CHUNK, out.length - start);
                ByteBuffer mem = stage.memory((long) start * e, len * e);
                for (int i = 0; i < len; i++) {
                    out[start + i] = HostOptimizer.load(mem, dims.type(), i) / binder.lossScale();
                }
            }
            return out;
        } finally {
            api.freeHost(stage);
        }
    }

    private void execute(Op op, int micro) {
        api.beginOp(op.index(), op.name());
        StreamKind stream = op.stream();
        for (int w : op.waitFor()) {
            if (events[w] == null) {
                continue;   // the host optimizer: done by the time the next operation is issued
            }
            if (stream == StreamKind.HOST) {
                api.synchronize(events[w]);
            } else {
                api.waitFor(stream, events[w]);
            }
        }
        switch (op.kind()) {
            case ALLOC -> alloc(op, micro);
            case FREE -> free(op);
            case COPY_D2H -> copyDown(op);
            case COPY_H2D -> copyUp(op);
            case HOST_OPTIMIZER -> hostUpdate();
            default -> {
                for (DeviceCall c : binder.bind(op, micro, steps + 1, buffers())) {
                    api.issue(c, stream);
                }
            }
        }
        if (events[op.index()] != null) {
            api.record(events[op.index()], stream);
        }
    }

    private void alloc(Op op, int micro) {
        Tensor t = schedule.tensors().get(op.tensor());
        if (t.location() != Location.DEVICE) {
            throw new IllegalStateException("ALLOC of host tensor " + t.name() + " inside a step");
        }
        if (device[t.id()] != null) {
            throw new IllegalStateException("ALLOC of tensor " + t.name() + " which is already allocated");
        }
        device[t.id()] = allocator.allocate(t.bytes(), op.stream());
        for (DeviceCall c : binder.onAlloc(t, micro, device[t.id()])) {
            api.issue(c, op.stream());
        }
    }

    private void free(Op op) {
        Tensor t = schedule.tensors().get(op.tensor());
        DeviceBuffer b = device[t.id()];
        if (b == null) {
            throw new IllegalStateException("FREE of tensor " + t.name() + " which is not allocated");
        }
        device[t.id()] = null;
        allocator.free(b, op.stream());
    }

    /** Device tensors (inputs) to one host buffer (the op's tensor), packed in order. */
    private void copyDown(Op op) {
        HostBuffer dst = hostOf(op.tensor());
        long off = 0;
        for (int id : op.inputs()) {
            DeviceBuffer src = buffers().tensor(id);
            api.copyToHost(dst, off, src.all(), op.stream());
            off += src.bytes();
        }
        checkBytes(op, off);
        if (op.inputs().length == 1 && op.inputs()[0] == gradients) {
            api.zero(device[gradients].all(), op.stream());   // the next step accumulates from zero
        }
    }

    /** One host buffer to device tensors (outputs), unpacked in the order they were packed. */
    private void copyUp(Op op) {
        HostBuffer src = hostOf(op.tensor() >= 0 && host[op.tensor()] != null ? op.tensor() : op.inputs()[0]);
        if (op.outputs().length == 1 && op.outputs()[0] == weights) {
            // mixed precision: the host optimizer wrote the 16-bit weights over the host gradients
            src = host[dims.type() == DType.F32 ? optimizerState : hostGradients];
        }
        long off = 0;
        for (int id : op.outputs()) {
            DeviceBuffer dst = buffers().tensor(id);
            api.copyToDevice(dst.all(), src, off, op.stream());
            off += dst.bytes();
        }
        checkBytes(op, off);
    }

    private void checkBytes(Op op, long copied) {
        if (copied != op.bytesRead()) {
            throw new IllegalStateException("copy " + op.name() + " moves " + copied + " bytes, the plan says "
                    + op.bytesRead());
        }
    }

    private HostBuffer hostOf(int id) {
        HostBuffer h = id >= 0 ? host[id] : null;
        if (h == null) {
            throw new IllegalStateException("no host buffer for tensor " + id);
        }
        return h;
    }

    private void hostUpdate() {
        HostBuffer g = host[hostGradients];
        HostBuffer s = host[optimizerState];
        if (g.backed() && s.backed()) {
            HostOptimizer.update(g, s, dims.type(), schedule.workload().training().optimizer(), dims.parameters(),
                    steps + 1, binder.lossScale());
        }
    }

    /** The working weights (for tests that perturb a parameter); null before {@link #prepare()}. */
    DeviceBuffer weightsBuffer() {
        return weights < 0 ? null : device[weights];
    }

    /** Optimizer steps completed. */
    public int steps() {
        return steps;
    }

    /** The precision this executor trains in. */
    public Precision precision() {
        return schedule.workload().training().precision();
    }

    /** Waits for the device, then frees every live tensor, the static tensors, host buffers and events. */
    @Override
    public void close() {
        RuntimeException first = null;
        try {
            api.synchronize();
        } catch (RuntimeException e) {
            first = e;
        }
        for (int id = 0; id < device.length; id++) {
            if (device[id] != null) {
                try {
                    allocator.free(device[id], StreamKind.COMPUTE);
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
                device[id] = null;
            }
        }
        for (int id = 0; id < host.length; id++) {
            if (host[id] != null) {
                try {
                    api.synchronize();
                    api.freeHost(host[id]);
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
                host[id] = null;
            }
        }
        for (DeviceEvent e : allEvents) {
            try {
                e.close();
            } catch (RuntimeException x) {
                first = first == null ? x : first;
            }
        }
        allEvents.clear();
        if (first != null) {
            throw first;
        }
    }
}
