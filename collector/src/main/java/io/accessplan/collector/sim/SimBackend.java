package io.accessplan.collector.sim;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.Precision;
import io.accessplan.features.Repeats;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Location;
import io.accessplan.features.plan.MemoryCategory;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Phase;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.Tensor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated GPU ({@code sim}): replays a schedule on a discrete-event timeline of a
 * calibrated device model. Its rows are simulations, never measurements.
 *
 * <h2>How a step is replayed</h2>
 * There are three resources: the device's compute stream, its copy stream, and the host's CPU
 * threads. Operations on one stream run in program order; {@link Op#waitFor()} adds the
 * cross-stream dependencies (an offload copy waits for the kernel that produced the layer, a
 * backward kernel for the prefetch of its activations). One host thread issues kernels and
 * copies in program order at {@link DeviceModel#LAUNCH_SECONDS} each [6] (or a card's calibrated
 * launch cost, {@link SimParameters}), so an operation starts
 * at the latest of: its stream being free, its dependencies finishing, and its launch. The
 * micro-batch body runs {@link Schedule#repeats()} times, then the optimizer tail once; the step
 * time is the makespan. Copies and kernels overlap only as far as these dependencies allow, so
 * an offloaded layer whose copy outlasts the next layer's compute shows up in the step time.
 *
 * <h2>What each operation costs</h2>
 * <ul>
 * <li>GEMMs follow {@link GemmModel}, a roofline-with-utilisation curve fitted by least squares
 *     on measured tables: DeepBench [1] for V100 and T4, XLA's sm_90 table [2] for H100;
 *     {@code derived:} devices (A100, L4, ...) use the curve of their table with efficiencies
 *     applied to their own peaks (the ratio of peaks). fp16/bf16 use the tensor-core rows, fp32
 *     the fp32 rows (TF32 on the XLA table, matching {@link DeviceProfile#peakTflops}).</li>
 * <li>Pointwise, norm, softmax, dropout, embedding, loss and on-device optimizer kernels are
 *     memory-bound: their bytes at {@link DeviceModel#MEMORY_BOUND_FRACTION} of the bandwidth [3].</li>
 * <li>Fused attention is FLOP-bound at the FlashAttention-2 utilisation [4], never above the
 *     GEMM curve at the same shape.</li>
 * <li>Copies run at the device's measured pinned bandwidth, with a per-transfer latency fitted
 *     on a measured size sweep ({@link CopyModel}).</li>
 * <li>The host optimizer runs at DeepSpeed CPU-Adam's throughput [5], plus a fixed latency, the
 *     fp16 casts, and the cost of the values it meets ({@link GradientValues}: subnormal and zero
 *     gradients, subnormal Adam moments), all 0 as written and fitted per card.</li>
 * <li>Allocations and frees take no time.</li>
 * </ul>
 *
 * <h2>Memory</h2>
 * The allocation timeline of the schedule (static tensors, then ALLOC/FREE in program order) is
 * replayed through the rounding of PyTorch's caching allocator [7] ({@link CachingAllocator}):
 * every block is a multiple of 512 bytes; requests of at most 1 MiB share 2 MiB segments of the small pool; larger requests
 * get segments rounded up to 2 MiB. The reported peak is the most device memory held at once:
 * the CUDA context (driver memory, not rounded), then every block the allocator holds. It is
 * therefore at least the planner's exact peak. A peak over the capacity (the device's, or the
 * backend's memory cap) is an {@code oom}: step time and its deviation are NaN and the peak is
 * the one the step attempted.
 *
 * <h2>Noise</h2>
 * Two lognormal factors of median 1 multiply the step time ({@link StepNoise}). A job factor (sigma
 * {@link StepNoise#JOB_NOISE_SIGMA}) is shared by every strategy of one workload: a sweep measures them back
 * to back on one GPU, so its clock, thermal and host state at the time are common to all of
 * them. A run factor ({@link StepNoise#noiseSigma}: measured on a GPU, smaller for longer steps, larger
 * when the optimizer runs on the host) is drawn for every repeat; the reported time is
 * the median of the repeats and their standard deviation. The streams are seeded from the run
 * seed, the workload and (for the run factor) the strategy, so a rerun gives identical numbers
 * whatever order a sweep runs its workloads in.
 *
 * <h2>Cost</h2>
 * One pass over the operations computes durations and the memory peak, then a pass per
 * micro-batch replays the timeline over two primitive arrays; fitted curves are built once per
 * class and once per (device, precision). There is no allocation per operation.
 *
 * <p>References:
 * [1] Baidu Research, DeepBench, github.com/baidu-research/DeepBench (results/train).
 * [2] XLA, xla/service/gpu/model/matmul_interpolator_data.h, kDefaultMatmulPTable (sm_90).
 * [3] Z. Jia et al., Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking,
 *     arXiv:1804.06826, 2018.
 * [4] T. Dao, FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning,
 *     arXiv:2307.08691, 2023; J. Shah et al., FlashAttention-3, arXiv:2407.08608, 2024.
 * [5] J. Ren et al., ZeRO-Offload: Democratizing Billion-Scale Model Training, USENIX ATC 2021.
 * [6] A. Gray, Getting Started with CUDA Graphs, NVIDIA Developer Blog, 2019.
 * [7] PyTorch, c10/cuda/CUDACachingAllocator.cpp (kMinBlockSize = 512, kSmallSize = 1 MiB,
 *     kSmallBuffer = 2 MiB, kRoundLarge = 2 MiB).
 * [8] P. Sinha et al., Not All GPUs Are Created Equal: Characterizing Variability in Large-Scale,
 *     Accelerator-Rich Systems, SC 2022.
 * [9] accessplan's cuda backend on an NVIDIA H200, 2026-11-26: {@code datasets/data/cuda-h200}
 *     (repeat spread in its README).
 */
public final class SimBackend implements Backend {
    /** The backend's name in the dataset. */
    public static final String NAME = "sim";

    private final BackendOptions options;
    private final SimParameters params;
    private final Map<DeviceProfile, DeviceModel[]> models = new ConcurrentHashMap<>();
    /** Scratch arrays per thread and backend: measure is thread-safe and allocates O(1) per call. */
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** A simulator with the given options (the memory cap emulates a smaller GPU). */
    public SimBackend(BackendOptions options) {
        this(options, SimParameters.DEFAULTS);
    }

    /**
     * A simulator whose kernel classes take the given parameters: a card's calibration
     * ({@link CalibrationProfile#parameters()}) or {@link SimParameters#DEFAULTS}.
     */
    public SimBackend(BackendOptions options, SimParameters params) {
        this.options = options == null ? BackendOptions.defaults() : options;
        this.params = params == null ? SimParameters.DEFAULTS : params;
    }

    /** A simulator with the default options. */
    public SimBackend() {
        this(BackendOptions.defaults());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Measurement measure(Schedule schedule, int repeats, long seed) {
        if (repeats < 1) {
            throw new IllegalArgumentException("Invalid repeats: " + repeats + " (must be >= 1)");
        }
        Workload w = schedule.workload();
        Replay r = replay(schedule, model(w.device(), w.training().precision()));
        Plan plan = schedule.plan();
        long capacity = options.memoryCapBytes() > 0
                ? Math.min(options.memoryCapBytes(), w.device().memoryBytes()) : w.device().memoryBytes();
        boolean oom = r.peakBytes > capacity;
        double median = Double.NaN;
        double stdev = Double.NaN;
        double energy = Double.NaN;
        if (!oom) {
            double[] t = StepNoise.repeats(r.seconds * 1e3, repeats, options.seed(), seed, schedule);
            stdev = Repeats.stdev(t);
            median = Repeats.median(t);
            // the noise stretches the whole step: the modelled power over a longer timeline
            energy = r.joules * median / (r.seconds * 1e3);
        }
        return plan.measured(NAME, repeats, median, stdev, r.peakBytes, oom, "", energy);
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> prov = new java.util.LinkedHashMap<>();
        if (!params.equals(SimParameters.DEFAULTS)) {   // a calibrated twin says so in every footer
            params.asMap().forEach((k, v) -> prov.put("sim." + k, Double.toString(v)));
        }
        prov.putAll(Map.of("backend", NAME, "noise_sigma", StepNoise.NOISE_SIGMA + " up to " + StepNoise.NOISE_KNEE_MS + " ms, then (knee/t)^"
                        + StepNoise.NOISE_EXPONENT + ", t clamped to [" + StepNoise.NOISE_MIN_MS + ", " + StepNoise.NOISE_MAX_MS + "] ms",
                "host_noise_sigma", StepNoise.HOST_NOISE_SIGMA + " up to " + StepNoise.HOST_NOISE_KNEE_MS + " ms, then (knee/t)^"
                        + StepNoise.HOST_NOISE_EXPONENT,
                "job_noise_sigma", Double.toString(StepNoise.JOB_NOISE_SIGMA),
                "memory_cap_bytes", Long.toString(options.memoryCapBytes()), "seed", Long.toString(options.seed())));
        return prov;
    }

    @Override
    public void close() {
        // nothing held
    }

    /** The cost model of a device at a precision, built once and cached. */
    DeviceModel model(DeviceProfile d, Precision p) {
        DeviceModel[] byPrecision = models.computeIfAbsent(d, k -> new DeviceModel[Precision.values().length]);
        DeviceModel m = byPrecision[p.ordinal()];
        if (m == null) {
            m = DeviceModel.of(d, p, params);   // idempotent: a race builds the same model twice at worst
            byPrecision[p.ordinal()] = m;
        }
        return m;
    }

    /**
     * Noiseless step time (seconds), peak device memory and energy (joules, NaN for a device with
     * no {@link PowerModel}) of a schedule.
     */
    record Replay(double seconds, long peakBytes, double joules) {
    }

    /** Replays a schedule without noise. */
    Replay replay(Schedule s) {
        Workload w = s.workload();
        return replay(s, model(w.device(), w.training().precision()));
    }

    /**
     * Per-thread scratch arrays of a replay, grown to the largest schedule seen, so that a
     * replay allocates nothing in proportion to its operations.
     */
    private static final class Scratch {
        int[] index = new int[0];       // op index of each timed operation
        int[] flags = new int[0];       // stream ordinal | LAUNCH | HOST_WORK | HAS_WAIT | TARGET
        double[] dur = new double[0];   // seconds of each timed operation
        int[][] waits = new int[0][];   // the op's waitFor (shared, not copied)
        double[] fin = new double[0];   // finish time by op index
        int[] alias = new int[0];       // op index whose finish an op's finish equals
        int[] pos = new int[0];         // timed position of an op index

        void ensure(int n) {
            if (fin.length < n) {
                int c = Math.max(n, fin.length * 3 / 2);
                index = new int[c];
                flags = new int[c];
                dur = new double[c];
                waits = new int[c][];
                fin = new double[c];
                alias = new int[c];
                pos = new int[c];
            }
        }
    }

    private static final int STREAM_MASK = 3;
    private static final int LAUNCH = 4;
    private static final int HOST_WORK = 8;
    private static final int HAS_WAIT = 16;
    private static final int TARGET = 32;
    private static final int[] NO_WAIT = new int[0];

    private Replay replay(Schedule s, DeviceModel dm) {
        return replay(s, dm, null);
    }

    private Replay replay(Schedule s, DeviceModel dm, double[][] startsOut) {
        List<Op> ops = s.ops();
        List<Tensor> tensors = s.tensors();
        int n = ops.size();
        int bodyEnd = s.bodyEnd();
        Scratch x = scratch.get();
        x.ensure(n);
        int[] index = x.index;
        int[] flags = x.flags;
        double[] dur = x.dur;
        int[][] waits = x.waits;
        int[] alias = x.alias;
        int[] pos = x.pos;
        int[] lastTimed = {-1, -1, -1};

        // ---- one pass: memory timeline, and the timed operations with their durations
        long held = 0;
        for (int id : s.staticTensors()) {
            Tensor t = tensors.get(id);
            if (t.location() == Location.DEVICE) {
                held += t.category() == MemoryCategory.CONTEXT ? t.bytes() : CachingAllocator.largeOrBlock(t.bytes());
            }
        }
        CachingAllocator heap = new CachingAllocator();
        PowerModel power = powerModel(s);
        double bodyJoules = 0;
        double tailJoules = 0;
        int timed = 0;
        int bodyTimed = 0;
        GradientValues values = GradientValues.of(s);
        boolean adam = adam(s);
        for (int i = 0; i < n; i++) {
            if (i == bodyEnd) {
                bodyTimed = timed;
            }
            Op op = ops.get(i);
            OpKind kind = op.kind();
            int[] w = op.waitFor();
            int f = op.stream().ordinal();
            double d;
            if (kind == OpKind.ALLOC || kind == OpKind.FREE) {
                Tensor t = tensors.get(op.tensor());
                if (t.location() == Location.DEVICE) {
                    heap.change(t.bytes(), kind == OpKind.ALLOC);
                }
                if (w.length == 0 && lastTimed[f] >= 0) {
                    // takes no time and waits for nothing: it finishes when its stream's previous
                    // operation does, so it leaves the timeline and waits on it go to that operation
                    alias[i] = lastTimed[f];
                    continue;
                }
                d = 0;
            } else {
                d = duration(op, dm, values, adam);
                f |= kind == OpKind.HOST_OPTIMIZER ? HOST_WORK : LAUNCH;
                if (power != null) {
                    double j = power.dynamicWatts(op, d) * d;
                    if (i < bodyEnd) {
                        bodyJoules += j;
                    } else {
                        tailJoules += j;
                    }
                }
            }
            alias[i] = i;
            pos[i] = timed;
            lastTimed[f & STREAM_MASK] = i;
            index[timed] = i;
            dur[timed] = d;
            if (w.length == 0) {
                waits[timed] = NO_WAIT;
            } else {
                int[] r = resolve(w, alias);
                for (int t : r) {
                    flags[pos[t]] |= TARGET;   // only waited-on operations record their finish
                }
                waits[timed] = r;
                f |= HAS_WAIT;
            }
            flags[timed] = f;
            timed++;
        }
        if (bodyEnd >= n) {
            bodyTimed = timed;
        }

        // ---- timeline: compute, copy and host streams, and the launching host thread
        double[] state = new double[5];   // free time of the 3 streams, launch clock, makespan
        for (int rep = 0; rep < s.repeats(); rep++) {
            run(x, 0, bodyTimed, state, dm.launchSeconds, startsOut == null ? null : startsOut[rep]);
        }
        run(x, bodyTimed, timed, state, dm.launchSeconds, startsOut == null ? null : startsOut[s.repeats()]);
        double joules = power == null ? Double.NaN
                : power.idleWatts() * state[4] + s.repeats() * bodyJoules + tailJoules;
        return new Replay(state[4], held + heap.peakBytes(), joules);
    }

    /** The power model of a schedule's device, or null where there is none. */
    static PowerModel powerModel(Schedule s) {
        Workload w = s.workload();
        return PowerModel.covers(w.device()) ? PowerModel.of(w.device(), w.training().precision()) : null;
    }

    /**
     * The replayed timeline, for tests: per body repetition and then the tail, the start of every
     * operation that occupies a stream (by op index; NaN for the others), and its duration.
     */
    double[][] timeline(Schedule s, double[] durations) {
        Workload w = s.workload();
        DeviceModel dm = model(w.device(), w.training().precision());
        int n = s.ops().size();
        double[][] starts = new double[s.repeats() + 1][n];
        for (double[] r : starts) {
            java.util.Arrays.fill(r, Double.NaN);
        }
        replay(s, dm, starts);
        GradientValues values = GradientValues.of(s);
        boolean adam = adam(s);
        for (int i = 0; i < n; i++) {
            durations[i] = duration(s.ops().get(i), dm, values, adam);
        }
        return starts;
    }

    /** The waits of an operation with every target on the timeline (a copy only where one is not). */
    private static int[] resolve(int[] waits, int[] alias) {
        int[] out = waits;
        for (int k = 0; k < waits.length; k++) {
            int a = alias[waits[k]];
            if (a != waits[k]) {
                if (out == waits) {
                    out = waits.clone();
                }
                out[k] = a;
            }
        }
        return out;
    }

    private static void run(Scratch x, int from, int to, double[] state, double launchSeconds, double[] startsOut) {
        int[] index = x.index;
        int[] flags = x.flags;
        double[] dur = x.dur;
        int[][] waits = x.waits;
        double[] fin = x.fin;
        double issue = state[3];
        double end = state[4];
        for (int j = from; j < to; j++) {
            int f = flags[j];
            int st = f & STREAM_MASK;
            double start = state[st];
            if ((f & HAS_WAIT) != 0) {
                for (int w : waits[j]) {
                    double fw = fin[w];
                    if (fw > start) {
                        start = fw;
                    }
                }
            }
            if ((f & LAUNCH) != 0) {
                issue += launchSeconds;
                if (issue > start) {
                    start = issue;
                }
            } else if ((f & HOST_WORK) != 0) {
                // the host thread runs (or waits for) the CPU update, then goes on launching
                if (issue > start) {
                    start = issue;
                }
                issue = start + dur[j];
            }
            double e = start + dur[j];
            if (startsOut != null) {
                startsOut[index[j]] = start;
            }
            if ((f & TARGET) != 0) {
                fin[index[j]] = e;
            }
            state[st] = e;
            if (e > end) {
                end = e;
            }
        }
        state[3] = issue;
        state[4] = end;
    }

    /** Whether a schedule's optimizer is Adam (its host update costs more than its FLOPs say). */
    static boolean adam(Schedule s) {
        return s.workload().training().optimizer() == io.accessplan.features.OptimizerKind.ADAM;
    }

    /**
     * Seconds an operation occupies its stream; a host update meets the given gradient values
     * ({@link GradientValues#of(Schedule)} of its schedule) and is Adam's where {@code adam}.
     */
    static double duration(Op op, DeviceModel dm, GradientValues values, boolean adam) {
        return switch (op.kind()) {
            case GEMM -> dm.gemm.seconds(op.batchCount(), op.m(), op.n(), op.k());
            case FUSED_ATTENTION -> dm.attentionSeconds(op.flops(), op.phase() == Phase.BACKWARD, op.m(), op.n(),
                    op.k(), op.batchCount());
            case ELEMENTWISE, DROPOUT -> (op.bytesRead() + op.bytesWritten()) * dm.pointwiseSecondsPerByte;
            case NORM -> (op.bytesRead() + op.bytesWritten()) * dm.normSecondsPerByte;
            case SOFTMAX -> (op.bytesRead() + op.bytesWritten()) * dm.softmaxSecondsPerByte;
            case EMBEDDING, LOSS -> (op.bytesRead() + op.bytesWritten()) * dm.embeddingLossSecondsPerByte;
            case OPTIMIZER -> (op.bytesRead() + op.bytesWritten()) * dm.optimizerSecondsPerByte;
            // reads state + gradients, writes state: the difference is the gradients, one per parameter
            case HOST_OPTIMIZER -> dm.hostOptimizerLatency + op.flops() / dm.hostOptimizerFlops
                    + dm.hostValueSeconds(op.bytesRead() - op.bytesWritten(), values, adam);
            case COPY_H2D -> CopyModel.seconds(op.bytesRead(), op.outputs().length, dm.h2dGBps,
                    CopyModel.H2D_HALF_BYTES);
            case COPY_D2H -> CopyModel.seconds(op.bytesRead(), op.inputs().length, dm.d2hGBps,
                    CopyModel.D2H_HALF_BYTES);
            case ALLOC, FREE -> 0;
        };
    }

}
