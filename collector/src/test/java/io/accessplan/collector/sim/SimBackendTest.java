package io.accessplan.collector.sim;

import io.accessplan.collector.Backend;
import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.Backends;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Phase;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Schedule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated backend's physics, memory and noise against independent computations. */
class SimBackendTest {
    private static final DeviceCatalog CATALOG = DeviceCatalog.builtin();
    private final SimBackend sim = new SimBackend();

    static Workload workload(Family f, int layers, int hidden, int heads, int seq, int batch, Precision p,
                             AttentionKind attn, String device) {
        return new Workload(ModelSpec.of(f, layers, hidden, heads),
                new TrainingConfig(seq, batch, p, OptimizerKind.ADAM, attn), CATALOG.get(device));
    }

    private double seconds(Workload w, String strategy) {
        return sim.replay(Planner.schedule(w, Strategy.parse(strategy))).seconds();
    }

    /** Simulated seconds of the ops of a schedule selected by phase (layers only). */
    private double layerSeconds(Schedule s, Phase phase, boolean coreOnly) {
        Workload w = s.workload();
        DeviceModel dm = sim.model(w.device(), w.training().precision());
        double t = 0;
        for (Op op : s.ops().subList(0, s.bodyEnd())) {
            boolean core = op.name().contains(".attn.scores") || op.name().contains(".attn.softmax")
                    || op.name().contains(".attn.dropout") && !op.name().contains("proj");
            if (op.phase() == phase && op.layer() >= 0 && !op.kind().isMemoryEvent() && (!coreOnly || core)) {
                t += SimBackend.duration(op, dm, GradientValues.of(s), SimBackend.adam(s));
            }
        }
        return t * s.repeats();
    }

    @Test
    void offloadCopiesHideBehindABigComputeLayer() {
        // MLP h=8192 in fp32 on V100: 2*4096*8192^2 = 550 GFLOP per layer forward (~40 ms at the
        // fitted ~14 TFLOP/s) against 268 MB of saved activations (~24 ms at 11.4 GB/s)
        Workload w = workload(Family.MLP, 4, 8192, 1, 512, 8, Precision.FP32, AttentionKind.FUSED, "v100-sxm-32gb");
        double keep = seconds(w, "keep");
        double offload = seconds(w, "offload");
        assertTrue(offload >= keep, "offload " + offload + " < keep " + keep);
        assertEquals(keep, offload, 0.01 * keep, "a hidden copy should cost (almost) nothing");
    }

    @Test
    void offloadCopiesShowWhenComputeIsTinyAndActivationsHuge() {
        // GPT h=256 with naive attention at s=2048: ~400 MB of saved activations per layer, microseconds of compute
        Workload w = workload(Family.GPT, 4, 256, 4, 2048, 4, Precision.BF16, AttentionKind.NAIVE, "h100-sxm-80gb");
        Schedule off = Planner.schedule(w, Strategy.parse("offload"));
        double keep = seconds(w, "keep");
        double offload = sim.replay(off).seconds();
        // the copy stream alone needs (L-1) layers down and back up at the measured pinned bandwidth
        long perLayer = off.activationBytesPerLayer();
        double copies = (w.model().layers() - 1) * perLayer
                * (1 / (w.device().d2hGBps() * 1e9) + 1 / (w.device().h2dGBps() * 1e9));
        assertTrue(offload > 2 * keep, "offload " + offload + " keep " + keep);
        assertTrue(offload >= copies, "offload " + offload + " shorter than its copies " + copies);
        // and the rest of the step overlaps the copies: at most keep + copies (+ latency per transfer)
        assertTrue(offload <= keep + copies * 1.02, "offload " + offload + " keep " + keep + " copies " + copies);
    }

    @Test
    void fullRecomputationCostsOneExtraForwardOfTheLayers() {
        Workload w = workload(Family.GPT, 4, 2048, 16, 1024, 8, Precision.BF16, AttentionKind.FUSED, "a100-sxm-80gb");
        Schedule keep = Planner.schedule(w, Strategy.parse("keep"));
        double extra = seconds(w, "full") - sim.replay(keep).seconds();
        double forward = layerSeconds(keep, Phase.FORWARD, false);
        assertEquals(forward, extra, 0.03 * forward);
    }

    @Test
    void selectiveRecomputationCostsOneExtraForwardOfTheAttentionCore() {
        Workload w = workload(Family.GPT, 4, 1024, 16, 2048, 4, Precision.FP16, AttentionKind.NAIVE, "v100-sxm-32gb");
        Schedule keep = Planner.schedule(w, Strategy.parse("keep"));
        double extra = seconds(w, "selective") - sim.replay(keep).seconds();
        double core = layerSeconds(keep, Phase.FORWARD, true);
        assertTrue(core > 0);
        assertEquals(core, extra, 0.05 * core);
    }

    @Test
    void aOneStreamStepLiesBetweenOverlappedAndSerialLaunchesAndKernels() {
        for (String device : new String[]{"h100-sxm-80gb", "t4-16gb"}) {
            Precision p = device.startsWith("t4") ? Precision.FP16 : Precision.BF16;
            Workload w = workload(Family.GPT, 2, 128, 2, 64, 1, p, AttentionKind.FUSED, device);
            Schedule s = Planner.schedule(w, Strategy.parse("keep"));
            DeviceModel dm = sim.model(w.device(), p);
            long launches = s.ops().stream().filter(o -> !o.kind().isMemoryEvent()).count();
            double kernels = s.ops().stream().mapToDouble(o -> SimBackend.duration(o, dm, GradientValues.of(s), SimBackend.adam(s))).sum();
            double launch = launches * DeviceModel.LAUNCH_SECONDS;
            double t = sim.replay(s).seconds();
            // the host launches while the GPU runs: the step is at least the longer of the two, at most their sum
            assertTrue(t >= Math.max(launch, kernels) * (1 - 1e-9), device + ": step " + t);
            assertTrue(t <= (launch + kernels) * (1 + 1e-9), device + ": step " + t);
        }
    }

    @Test
    void microBatchesRepeatTheBody() {
        Workload w = workload(Family.GPT, 4, 2048, 16, 1024, 8, Precision.BF16, AttentionKind.FUSED, "h100-sxm-80gb");
        double one = seconds(w, "keep");
        double four = seconds(w, "keep+mb4");
        // same samples per step, smaller GEMMs: a bit slower, never faster than the big-batch step
        assertTrue(four >= one, "mb4 " + four + " mb1 " + one);
        assertTrue(four < 1.3 * one, "mb4 " + four + " mb1 " + one);
    }

    @Test
    void outOfMemoryWhenThePlannersPeakExceedsCapacity() {
        // Llama-2-7B shapes on a 16 GB T4: the weights alone do not fit
        Workload w = new Workload(ModelSpec.of(Family.LLAMA, 32, 4096, 32),
                new TrainingConfig(1024, 1, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                CATALOG.get("t4-16gb"));
        Schedule s = Planner.schedule(w, Strategy.parse("full"));
        assertFalse(s.plan().fits());
        Measurement m = sim.measure(s, 3, 1);
        assertTrue(m.oom());
        assertTrue(Double.isNaN(m.stepTimeMs()));
        assertTrue(Double.isNaN(m.stepTimeMsStdev()));
        assertTrue(m.peakMemoryBytes() >= s.plan().peakMemoryBytes());
    }

    @Test
    void peakIsThePlannersPeakPlusAllocatorRounding() {
        Workload w = workload(Family.GPT, 12, 768, 12, 1024, 8, Precision.BF16, AttentionKind.NAIVE, "a100-sxm-80gb");
        for (String st : new String[]{"keep", "selective", "full", "sqrt", "offload", "keep+mb4+opt_offload"}) {
            Schedule s = Planner.schedule(w, Strategy.parse(st));
            Plan plan = s.plan();
            Measurement m = sim.measure(s, 1, 0);
            assertFalse(m.oom());
            long rounding = m.peakMemoryBytes() - plan.peakMemoryBytes();
            // at most 2 MiB per live tensor, and never less than the exact bytes
            long tensors = s.tensors().size();
            assertTrue(rounding >= 0 && rounding <= tensors * CachingAllocator.LARGE_ROUND_BYTES,
                    st + ": rounding " + rounding);
        }
    }

    @Test
    void allocatorRoundsLikeThePyTorchCachingAllocator() {
        assertEquals(512, CachingAllocator.roundBlock(1));
        assertEquals(1024, CachingAllocator.roundBlock(513));
        assertEquals(2L << 20, CachingAllocator.largeOrBlock(1000));            // a small block's 2 MiB segment
        assertEquals(4L << 20, CachingAllocator.largeOrBlock((2L << 20) + 1));   // large: next 2 MiB
    }

    @Test
    void aMemoryCapEmulatesASmallerGpu() {
        Workload w = workload(Family.GPT, 12, 768, 12, 1024, 8, Precision.BF16, AttentionKind.NAIVE, "a100-sxm-80gb");
        Schedule s = Planner.schedule(w, Strategy.parse("keep"));
        long peak = sim.measure(s, 1, 0).peakMemoryBytes();
        try (SimBackend capped = new SimBackend(new BackendOptions(peak - 1, 0, 0))) {
            assertTrue(capped.measure(s, 1, 0).oom());
        }
        try (SimBackend roomy = new SimBackend(new BackendOptions(peak, 0, 0))) {
            assertFalse(roomy.measure(s, 1, 0).oom());
        }
    }

    @Test
    void sameSeedSameMeasurementOtherSeedOtherNoise() {
        Workload w = workload(Family.GPT, 12, 768, 12, 1024, 8, Precision.BF16, AttentionKind.FUSED, "h100-sxm-80gb");
        Schedule keep = Planner.schedule(w, Strategy.parse("keep"));
        Schedule full = Planner.schedule(w, Strategy.parse("full"));
        Measurement a = sim.measure(keep, 5, 42);
        new SimBackend().measure(full, 5, 42);   // another run in between changes nothing
        Measurement b = new SimBackend().measure(Planner.schedule(w, Strategy.parse("keep")), 5, 42);
        assertEquals(a, b);
        Measurement c = sim.measure(keep, 5, 43);
        assertNotEquals(a.stepTimeMs(), c.stepTimeMs());
        // noise is a few percent around the noiseless step
        double t = sim.replay(keep).seconds() * 1e3;
        assertEquals(t, a.stepTimeMs(), 0.05 * t);
        assertTrue(a.stepTimeMsStdev() > 0 && a.stepTimeMsStdev() < 0.06 * t);
    }

    /**
     * The repeats' spread is the measured noise model: over many seeds the root mean square of
     * stdev/median (an unbiased estimate of sigma^2 for small lognormal noise) is
     * {@link SimBackend#noiseSigma} of the step, larger with the optimizer on the host.
     */
    @Test
    void repeatSpreadFollowsTheNoiseFittedOnTheH200() {
        Workload w = workload(Family.GPT, 12, 768, 12, 1024, 8, Precision.BF16, AttentionKind.FUSED, "a10-24gb");
        for (String name : new String[]{"keep", "keep+opt_offload"}) {
            Schedule s = Planner.schedule(w, Strategy.parse(name));
            double ms = sim.replay(s).seconds() * 1e3;
            double sigma = StepNoise.noiseSigma(ms, s.strategy().optimizerOffload());
            double sum = 0;
            int n = 600;
            for (int seed = 0; seed < n; seed++) {
                Measurement m = sim.measure(s, 5, seed);
                double cv = m.stepTimeMsStdev() / m.stepTimeMs();
                sum += cv * cv;
            }
            assertEquals(sigma, Math.sqrt(sum / n), 0.1 * sigma, name + " at " + ms + " ms");
        }
        // the fitted curve: plateau below the knee, falling beyond, clamped outside the measured range
        assertEquals(0.0027, StepNoise.noiseSigma(5, false), 1e-12);
        assertEquals(0.032, StepNoise.noiseSigma(50, true), 1e-12);
        assertEquals(0.0027 * Math.pow(30 / 300.0, 0.72), StepNoise.noiseSigma(300, false), 1e-12);
        assertEquals(StepNoise.noiseSigma(4400, false), StepNoise.noiseSigma(60_000, false), 0.0);
        assertTrue(StepNoise.noiseSigma(1000, true) > 5 * StepNoise.noiseSigma(1000, false));
    }

    @Test
    void measurementCarriesThePlansTraffic() {
        Workload w = workload(Family.LLAMA, 4, 1024, 8, 512, 4, Precision.BF16, AttentionKind.FUSED, "l4-24gb");
        Schedule s = Planner.schedule(w, Strategy.parse("offload+mb2+opt_offload"));
        Measurement m = sim.measure(s, 3, 7);
        Plan p = s.plan();
        assertEquals("sim", m.backend());
        assertEquals(3, m.repeats());
        assertEquals(p.flops(), m.flops());
        assertEquals(p.recomputeFlops(), m.recomputeFlops());
        assertEquals(p.pcieBytes(), m.pcieBytes());
        assertEquals(p.hbmBytes(), m.hbmBytes());
        assertEquals("", m.detail());
        assertTrue(m.stepTimeMs() > 0);
        assertThrows(IllegalArgumentException.class, () -> sim.measure(s, 0, 7));
    }

    @Test
    void registeredAsSim() throws Exception {
        try (Backend b = Backends.open("sim", BackendOptions.defaults())) {
            assertInstanceOf(SimBackend.class, b);
            assertEquals("sim", b.name());
        }
    }

    @Test
    void hostOptimizerAndCopiesAddToTheStepWhenOffloaded() {
        Workload w = workload(Family.GPT, 12, 768, 12, 1024, 8, Precision.BF16, AttentionKind.FUSED, "h100-sxm-80gb");
        Schedule s = Planner.schedule(w, Strategy.parse("keep+opt_offload"));
        double onDevice = seconds(w, "keep");
        double offloaded = sim.replay(s).seconds();
        // the tail is serial: gradients down, CPU Adam, weights up
        double tail = 0;
        DeviceModel dm = sim.model(w.device(), w.training().precision());
        for (Op op : s.ops().subList(s.bodyEnd(), s.ops().size())) {
            tail += SimBackend.duration(op, dm, GradientValues.of(s), SimBackend.adam(s));
        }
        double adam = w.parameters() / 4.5e9;
        assertTrue(tail > adam);
        assertEquals(offloaded - onDevice, tail, 0.1 * tail);
        assertTrue(s.ops().stream().anyMatch(o -> o.kind() == OpKind.HOST_OPTIMIZER));
    }
}
