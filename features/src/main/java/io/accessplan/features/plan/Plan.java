package io.accessplan.features.plan;

import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;

import java.util.Map;

/**
 * What the planner knows of a training step from its schedule alone.
 *
 * @param workload                the workload
 * @param strategy                the strategy
 * @param parameters              model parameters
 * @param weightBytes             working weights on the device
 * @param gradientBytes           weight gradients on the device
 * @param optimizerBytes          optimizer state on the device (0 with optimizer offload)
 * @param optimizerHostBytes      optimizer state on the host (0 without optimizer offload)
 * @param activationBytesPerLayer activation bytes a layer keeps under the policy (per micro-batch)
 * @param activationBytes         most stored activation bytes live on the device at once
 * @param peakMemoryBytes         peak device memory from the allocation timeline
 * @param peakBreakdown           device bytes by category at the moment of the peak
 * @param formulaPeakBytes        the sum of formulas: context, workspace, model state and stored activations
 * @param fits                    whether the peak fits the device's memory
 * @param flops                   floating-point operations of the step, recomputation included
 * @param recomputeFlops          of which recomputation
 * @param traffic                 the step's device-memory and PCIe bytes, split into essential and redundant
 *                                ({@link #hbmBytes()} and {@link #pcieBytes()} are its totals)
 * @param hostBytes               pinned host memory used
 */
public record Plan(Workload workload, Strategy strategy, long parameters, long weightBytes, long gradientBytes,
                   long optimizerBytes, long optimizerHostBytes, long activationBytesPerLayer, long activationBytes,
                   long peakMemoryBytes, Map<MemoryCategory, Long> peakBreakdown, long formulaPeakBytes, boolean fits,
                   double flops, double recomputeFlops, Traffic traffic, long hostBytes) {

    private static final MemoryCategory[] CATEGORIES = MemoryCategory.values();

    /**
     * A backend's measurement of this plan's step: what the backend timed and saw, with the
     * step's traffic and FLOPs, which are the plan's whatever ran it.
     */
    public Measurement measured(String backend, int repeats, double stepTimeMs, double stepTimeMsStdev,
                                long peakMemoryBytes, boolean oom, String detail) {
        return measured(backend, repeats, stepTimeMs, stepTimeMsStdev, peakMemoryBytes, oom, detail, Double.NaN);
    }

    /** A backend's measurement of this plan's step with its energy per step (NaN where not measured). */
    public Measurement measured(String backend, int repeats, double stepTimeMs, double stepTimeMsStdev,
                                long peakMemoryBytes, boolean oom, String detail, double energyJ) {
        return new Measurement(backend, repeats, stepTimeMs, stepTimeMsStdev, peakMemoryBytes, oom, traffic.pcieBytes(),
                traffic.hbmBytes(), flops, recomputeFlops, detail, energyJ);
    }

    /** The device bytes of one category at the peak: {@link #peakBreakdown()}'s, unboxed (0 for a category it lacks). */
    public long peakBytesOf(MemoryCategory c) {
        return peakBreakdown instanceof CategoryBytes b ? b.of(c) : peakBreakdown.getOrDefault(c, 0L);
    }

    /** Bytes crossing PCIe (offload copies, gradient and weight transfers): {@link Traffic#pcieBytes()}. */
    public long pcieBytes() {
        return traffic.pcieBytes();
    }

    /** Device-memory traffic of the kernels: {@link Traffic#hbmBytes()}. */
    public long hbmBytes() {
        return traffic.hbmBytes();
    }

    /**
     * Walks a schedule's allocation timeline and work, once: memory, FLOPs and the traffic with its
     * essential / redundant split ({@link Traffic} says what each part counts).
     */
    static Plan of(Schedule s) {
        long[] stat = new long[CATEGORIES.length];
        long hostBytes = 0;
        long optHost = 0;
        for (int id : s.staticTensors()) {
            Tensor t = s.tensors().get(id);
            if (t.location() == Location.DEVICE) {
                stat[t.category().ordinal()] += t.bytes();
            } else {
                hostBytes += t.bytes();
                if (t.category() == MemoryCategory.OPTIMIZER) {
                    optHost += t.bytes();
                }
            }
        }
        long staticTotal = 0;
        for (long b : stat) {
            staticTotal += b;
        }
        long[] live = new long[stat.length];
        long liveTotal = 0;
        long peakLive = 0;
        long[] atPeak = new long[stat.length];
        long maxAct = 0;
        double bodyFlops = 0;
        double bodyRecompute = 0;
        long bodyPcie = 0;
        long bodyHbm = 0;
        double tailFlops = 0;
        long tailPcie = 0;
        long tailHbm = 0;
        long recomputeHbm = 0;
        long weightOperands = 0;
        long offload = 0;
        java.util.Set<OpTemplate> weightGemms = Traffic.weightGemms(s.workload());
        int act = MemoryCategory.ACTIVATIONS.ordinal();
        for (Op op : s.ops()) {
            boolean body = op.index() < s.bodyEnd();
            switch (op.kind()) {
                case ALLOC, FREE -> {
                    Tensor t = s.tensors().get(op.tensor());
                    if (t.location() != Location.DEVICE) {
                        break;
                    }
                    long d = op.kind() == OpKind.ALLOC ? t.bytes() : -t.bytes();
                    live[t.category().ordinal()] += d;
                    liveTotal += d;
                    if (liveTotal > peakLive) {
                        peakLive = liveTotal;
                        System.arraycopy(live, 0, atPeak, 0, live.length);
                    }
                    maxAct = Math.max(maxAct, live[act]);
                }
                case COPY_D2H, COPY_H2D -> {
                    if (body) {
                        bodyPcie += op.bytesRead();
                        if (op.layer() >= 0) {
                            offload += op.bytesRead();   // a layer's activations, out or back
                        }
                    } else {
                        tailPcie += op.bytesRead();
                    }
                }
                default -> {
                    long traffic = op.stream() == StreamKind.COMPUTE ? op.bytesRead() + op.bytesWritten() : 0;
                    if (body) {
                        bodyFlops += op.flops();
                        bodyHbm += traffic;
                        if (op.phase() == Phase.RECOMPUTE) {
                            bodyRecompute += op.flops();
                            recomputeHbm += traffic;
                        } else if (op.stream() == StreamKind.COMPUTE) {
                            weightOperands += Traffic.repeatedPerMicroBatch(op, weightGemms, s.workload());
                        }
                    } else {
                        tailFlops += op.flops();
                        tailHbm += traffic;
                    }
                }
            }
            if (op.index() == s.bodyEnd() - 1 && liveTotal != 0) {
                throw new IllegalStateException("schedule of " + s.strategy() + " leaks " + liveTotal
                        + " bytes per micro-batch");
            }
        }
        long[] breakdown = new long[CATEGORIES.length];
        for (MemoryCategory c : CATEGORIES) {
            breakdown[c.ordinal()] = stat[c.ordinal()] + atPeak[c.ordinal()];
        }
        int k = s.repeats();
        long peak = staticTotal + peakLive;
        Workload w = s.workload();
        Traffic traffic = new Traffic(k * bodyHbm + tailHbm, k * recomputeHbm, (k - 1) * weightOperands,
                k * bodyPcie + tailPcie, k * offload, k * (bodyPcie - offload) + tailPcie);
        return new Plan(w, s.strategy(), w.parameters(), stat[MemoryCategory.WEIGHTS.ordinal()],
                stat[MemoryCategory.GRADIENTS.ordinal()], stat[MemoryCategory.OPTIMIZER.ordinal()], optHost,
                s.activationBytesPerLayer(), maxAct, peak, new CategoryBytes(breakdown),
                staticTotal + maxAct, peak <= w.device().memoryBytes(), k * bodyFlops + tailFlops,
                k * bodyRecompute, traffic, hostBytes);
    }

    /** Peak memory over device capacity. */
    public double memoryFraction() {
        return (double) peakMemoryBytes / workload.device().memoryBytes();
    }
}
