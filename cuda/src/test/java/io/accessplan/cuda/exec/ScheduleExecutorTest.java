package io.accessplan.cuda.exec;

import io.accessplan.cuda.Workloads;
import io.accessplan.cuda.device.DeviceOutOfMemoryException;
import io.accessplan.cuda.device.RecordingDeviceApi;
import io.accessplan.cuda.device.RecordingDeviceApi.Call;
import io.accessplan.cuda.device.RecordingDeviceApi.Kind;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.StreamKind;
import io.accessplan.features.plan.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor against the recording device layer: it does what the schedule says, nothing else, in order. */
class ScheduleExecutorTest {
    private static final long CAPACITY = 80L << 30;

    static Stream<Arguments> schedules() {
        List<Arguments> out = new ArrayList<>();
        for (String s : List.of("keep", "full", "offload+mb2+opt_offload", "selective+mb4", "sqrt+opt_offload",
                "offload")) {
            out.add(Arguments.of("gpt", Workloads.tinyGpt(), s));
        }
        for (String s : List.of("keep", "full+mb2", "offload+mb2+opt_offload")) {
            out.add(Arguments.of("llama", Workloads.tinyLlama(), s));
            out.add(Arguments.of("bert", Workloads.tinyBert(), s));
        }
        for (String s : List.of("keep", "full+mb2", "offload+opt_offload")) {
            out.add(Arguments.of("mlp", Workloads.tinyMlp(), s));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("schedules")
    void issuesExactlyTheScheduleInOrderOnTheRightStreams(String family, Workload w, String strategy) {
        Schedule s = Planner.schedule(w, Strategy.parse(strategy));
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, 0, Planner.CUDA_CONTEXT_BYTES, 7)) {
            ex.prepare();
            api.clearCalls();
            ex.step();
            checkTrace(s, api.calls());
        }
        assertEquals(0, api.liveBuffers(), "device buffers leaked");
        assertEquals(0, api.liveHostBuffers(), "host buffers leaked");
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("schedules")
    void allocatorPeakEqualsThePlannersPeak(String family, Workload w, String strategy) {
        Schedule s = Planner.schedule(w, Strategy.parse(strategy));
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, 0, Planner.CUDA_CONTEXT_BYTES, 7)) {
            ex.step();
            ex.step();
            assertEquals(s.plan().peakMemoryBytes(), ex.allocator().peakBytes());
            assertEquals(ex.allocator().liveBytes(), staticBytes(s), "a step must free what it allocates");
        }
    }

    @Test
    void allocationPastTheCapIsAnOutOfMemoryWithTheAttemptedPeak() {
        Schedule s = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("keep"));
        long peak = s.plan().peakMemoryBytes();
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        DeviceOutOfMemoryException e;
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, peak - 1, Planner.CUDA_CONTEXT_BYTES, 7)) {
            e = assertThrows(DeviceOutOfMemoryException.class, ex::step);
        }
        assertEquals(peak, e.attemptedBytes());
        assertEquals(0, api.liveBuffers(), "close after an out-of-memory frees everything");
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, peak, Planner.CUDA_CONTEXT_BYTES, 7)) {
            ex.step();
            assertEquals(peak, ex.allocator().peakBytes());
        }
    }

    @Test
    void stepEndsByJoiningTheCopyStreamIntoTheComputeStream() {
        Schedule s = Planner.schedule(Workloads.tinyGpt(), Strategy.parse("offload+opt_offload"));
        RecordingDeviceApi api = new RecordingDeviceApi(CAPACITY, "ptx");
        try (ScheduleExecutor ex = new ScheduleExecutor(api, s, 0, Planner.CUDA_CONTEXT_BYTES, 7)) {
            ex.prepare();
            api.clearCalls();
            ex.step();
        }
        List<Call> calls = api.calls();
        int mark = calls.size() - 1;
        while (calls.get(mark).kind() != Kind.BEGIN_OP) {
            mark--;
        }
        assertEquals(ScheduleExecutor.STEP_JOIN, calls.get(mark).name());
        Call record = calls.get(mark + 1);
        Call wait = calls.get(mark + 2);
        assertEquals(Kind.RECORD, record.kind());
        assertEquals(StreamKind.COPY, record.stream());
        assertEquals(Kind.WAIT, wait.kind());
        assertEquals(StreamKind.COMPUTE, wait.stream());
        assertEquals(record.id(), wait.id());
    }

    private static long staticBytes(Schedule s) {
        long b = 0;
        for (int id : s.staticTensors()) {
            Tensor t = s.tensors().get(id);
            if (t.location() == io.accessplan.features.plan.Location.DEVICE) {
                b += t.bytes();
            }
        }
        return b;
    }

    /** Splits the trace at each operation's marker and checks each part against its operation. */
    static void checkTrace(Schedule s, List<Call> calls) {
        List<Op> expected = new ArrayList<>();
        for (int r = 0; r < s.repeats(); r++) {
            expected.addAll(s.ops().subList(0, s.bodyEnd()));
        }
        expected.addAll(s.ops().subList(s.bodyEnd(), s.ops().size()));
        Set<Integer> awaited = new HashSet<>();
        for (Op op : s.ops()) {
            for (int w : op.waitFor()) {
                awaited.add(w);
            }
        }
        List<List<Call>> parts = new ArrayList<>();
        List<Integer> markers = new ArrayList<>();
        for (Call c : calls) {
            if (c.kind() == Kind.BEGIN_OP && c.id() < 0) {
                assertEquals(ScheduleExecutor.STEP_JOIN, c.name());
                break;   // the end-of-step join, checked in stepEndsByJoiningTheCopyStream
            }
            if (c.kind() == Kind.BEGIN_OP) {
                markers.add((int) c.id());
                parts.add(new ArrayList<>());
            } else {
                assertFalse(parts.isEmpty(), "device call before the first operation: " + c);
                parts.get(parts.size() - 1).add(c);
            }
        }
        assertEquals(expected.stream().map(Op::index).toList(), markers, "operations out of program order");
        for (int i = 0; i < expected.size(); i++) {
            checkOp(s, expected.get(i), parts.get(i), awaited.contains(expected.get(i).index()));
        }
    }

    private static void checkOp(Schedule s, Op op, List<Call> part, boolean awaited) {
        String where = "op " + op.index() + " " + op.name() + ": ";
        int i = 0;
        for (int w : op.waitFor()) {
            if (s.ops().get(w).stream() == StreamKind.HOST) {
                continue;
            }
            Call c = part.get(i++);
            if (op.stream() == StreamKind.HOST) {
                assertEquals(Kind.SYNC_EVENT, c.kind(), where + "host waits by synchronizing");
            } else {
                assertEquals(Kind.WAIT, c.kind(), where + "waits first");
                assertEquals(op.stream(), c.stream(), where + "waits on its own stream");
            }
        }
        List<Call> work = new ArrayList<>(part.subList(i, part.size()));
        if (awaited && op.stream() != StreamKind.HOST) {
            Call last = work.remove(work.size() - 1);
            assertEquals(Kind.RECORD, last.kind(), where + "records the event others wait on");
            assertEquals(op.stream(), last.stream(), where + "records on its own stream");
        }
        for (Call c : work) {
            assertTrue(c.kind() != Kind.WAIT && c.kind() != Kind.RECORD, where + "stray " + c);
        }
        switch (op.kind()) {
            case ALLOC, FREE -> {
                Tensor t = s.tensors().get(op.tensor());
                Call c = work.get(0);
                assertEquals(op.kind() == OpKind.ALLOC ? Kind.ALLOC : Kind.FREE, c.kind(), where);
                assertEquals(t.bytes(), c.bytes(), where + "size");
                assertEquals(op.stream(), c.stream(), where + "stream");
                for (Call x : work.subList(1, work.size())) {
                    assertTrue(op.kind() == OpKind.ALLOC && (x.kind() == Kind.ZERO || x.kind() == Kind.LAUNCH),
                            where + "only data fills follow an allocation: " + x);
                    assertEquals(op.stream(), x.stream(), where);
                }
            }
            case COPY_D2H, COPY_H2D -> {
                Kind k = op.kind() == OpKind.COPY_D2H ? Kind.COPY_D2H : Kind.COPY_H2D;
                long bytes = 0;
                for (Call c : work) {
                    assertEquals(StreamKind.COPY, c.stream(), where + "copies on the copy stream");
                    if (c.kind() == k) {
                        bytes += c.bytes();
                    } else {
                        assertTrue(op.name().equals("gradients.to_host") && c.kind() == Kind.ZERO, where + c);
                    }
                }
                assertEquals(op.bytesRead(), bytes, where + "bytes copied");
            }
            case HOST_OPTIMIZER -> assertTrue(work.isEmpty(), where + "no device work: " + work);
            default -> {
                assertFalse(work.isEmpty(), where + "launches its kernels");
                for (Call c : work) {
                    assertTrue(c.kind() == Kind.LAUNCH || c.kind() == Kind.GEMM, where + c);
                    assertEquals(StreamKind.COMPUTE, c.stream(), where + "kernels on the compute stream");
                }
            }
        }
    }
}
