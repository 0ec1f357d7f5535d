package io.accessplan.collector.sim;

import io.accessplan.features.Fnv1a;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Schedule;

/**
 * The simulator's seeded measurement noise: the step times of a run's repeats from its noiseless
 * step time, a job factor shared by every strategy of one workload and a per-repeat lognormal
 * factor whose sigma was fitted on measured repeats (SimBackend's reference [9]). Every stream is
 * seeded from the run seed, the workload and the strategy (SplitMix64, Steele, Lea and Flood,
 * OOPSLA 2014), so a run's noise does not depend on what ran before or on which thread.
 */
final class StepNoise {
    private StepNoise() {
    }

    /**
     * Per-repeat lognormal step-time noise of a schedule that runs on the GPU only: sigma 0.27% up
     * to a {@value #NOISE_KNEE_MS} ms step, falling as {@code (knee / t)^}{@value #NOISE_EXPONENT}
     * beyond. Fitted on measured repeats [9]: the root mean square of the coefficient of variation
     * of 3 CUDA-event-timed repeats (an unbiased estimate of the variance), per half decade of step
     * time, over the 312 such schedules of {@code datasets/data/cuda-h200}: 0.24-0.29% from 3 to
     * 30 ms, 0.12% at 100 ms, 0.05% at 300 ms, 0.01% at 3 s. Longer steps average out more jitter.
     */
    static final double NOISE_SIGMA = 0.0027;
    static final double NOISE_KNEE_MS = 30;
    static final double NOISE_EXPONENT = 0.72;

    /**
     * The same for a schedule whose optimizer step runs on the host ({@code opt_offload}, Adam on
     * CPU threads that share the machine): sigma 3.2% up to {@value #HOST_NOISE_KNEE_MS} ms, then
     * {@code (knee / t)^}{@value #HOST_NOISE_EXPONENT}: measured 3.0-3.8% from 10 to 100 ms, 1.1% at
     * 300 ms, 0.13% at 3 s (312 schedules of [9]), an absolute jitter of a few milliseconds.
     */
    static final double HOST_NOISE_SIGMA = 0.032;
    static final double HOST_NOISE_KNEE_MS = 100;
    static final double HOST_NOISE_EXPONENT = 0.94;

    /** Step times outside the measured range [1 ms, 4.4 s] get the noise of its nearest end: no extrapolation. */
    static final double NOISE_MIN_MS = 1;
    static final double NOISE_MAX_MS = 4400;

    /** Sigma of the per-repeat noise of a step of {@code ms} milliseconds. */
    static double noiseSigma(double ms, boolean hostOptimizer) {
        double t = Math.min(NOISE_MAX_MS, Math.max(NOISE_MIN_MS, ms));
        return hostOptimizer ? HOST_NOISE_SIGMA * Math.min(1, Math.pow(HOST_NOISE_KNEE_MS / t, HOST_NOISE_EXPONENT))
                : NOISE_SIGMA * Math.min(1, Math.pow(NOISE_KNEE_MS / t, NOISE_EXPONENT));
    }

    /**
     * Sigma of the job factor shared by every strategy of one workload: 2%, for the state of the
     * GPU and host while that workload's strategies are measured (clocks, temperature, host load).
     * Also an assumption. Sinha et al. [8] measure larger, systematic differences between GPUs of
     * the same model across a cluster, which a sweep on one GPU does not have.
     */
    static final double JOB_NOISE_SIGMA = 0.02;

    /**
     * The step times (ms) of {@code repeats} repeats of a schedule whose noiseless step takes
     * {@code ms}, for the backend's seed and the run's seed.
     */
    static double[] repeats(double ms, int repeats, long backendSeed, long runSeed, Schedule schedule) {
        Workload w = schedule.workload();
        double[] t = new double[repeats];
        long base = mix(backendSeed ^ GOLDEN) ^ runSeed;
        long job = mix(mix(base ^ GOLDEN) ^ Fnv1a.hash64(w.canonical()));
        double jobFactor = Math.exp(JOB_NOISE_SIGMA * normal(job, job + GOLDEN));
        long state = noiseSeed(base, w, schedule);
        double sigma = noiseSigma(ms, schedule.strategy().optimizerOffload());
        for (int i = 0; i < repeats; i++) {
            state += GOLDEN;
            double u1 = unit(mix(state));
            state += GOLDEN;
            double u2 = unit(mix(state));
            t[i] = ms * jobFactor * Math.exp(sigma * boxMuller(u1, u2));
        }
        return t;
    }

    /** Box-Muller: a standard normal from two uniforms in (0, 1]. */
    private static double boxMuller(double u1, double u2) {
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A standard normal from two seeds. */
    private static double normal(long a, long b) {
        return boxMuller(unit(mix(a)), unit(mix(b)));
    }

    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    /**
     * The noise seed of one run: the run seed, the workload (its canonical text, which its id
     * hashes) and the strategy, mixed; independent of what ran before.
     */
    static long noiseSeed(long seed, Workload w, Schedule s) {
        long h = mix(seed ^ GOLDEN);
        h = mix(h ^ Fnv1a.hash64(w.canonical()));
        return mix(h ^ Fnv1a.hash64(s.strategy().toString()));
    }

    /** SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A double in (0, 1] from the top 53 bits. */
    private static double unit(long x) {
        return ((x >>> 11) + 1) * 0x1.0p-53;
    }
}
