package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.model.Choice;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Recommends a memory scheduling strategy for a workload: scores every candidate with the trained
 * model, drops those predicted not to fit (predicted peak times one plus the model's safety
 * margin above capacity), and ranks the rest by predicted throughput, by the model module's
 * {@link Choice} rule, the very rule its evaluation scores (so the reported metrics are what this
 * class answers).
 *
 * <p>A strategy that does strictly more work than another that fits with the same micro-batching
 * (more recomputation, activation or optimizer copies) is never chosen, whatever the model
 * predicts: physics bounds it below by the other. Among strategies predicted within
 * {@link #tieTolerance()} of the fastest, the plainest wins
 * (keep before selective before full before sqrt before offload; fewer micro-batches first; the
 * optimizer on the device first): a difference smaller than the model's own error is no reason
 * to offload anything or recompute, and a model that fits comfortably is then never told to.
 *
 * <p>Where {@code keep} does not fit, the answer may be a partial policy ({@code full:N},
 * {@code selective:N}, {@code offload:N}: the policy on the first N layers, the rest kept). For
 * each (policy, micro-batches, optimizer placement) whose whole-model strategy is predicted to fit
 * and whose {@code keep} counterpart is not, the smallest N predicted to fit is searched
 * ({@link #searchLayers}) rather than all L+1 counts scored: memory falls and step time rises
 * with N (the property tests of the planner and the simulator), so that N is also the group's
 * fastest; it then competes with the candidates under the same choice rule, and the whole-model
 * strategy it refines loses as doing more work.
 *
 * <p>Immutable and thread-safe after loading; share one instance.
 */
public final class AccessPlanner {
    /** Class-path location of the bundled model, trained on the shipped {@code sim-standard} dataset. */
    public static final String BUNDLED_RESOURCE = "/io/accessplan/predictor/default-model.apm";

    /** Default tie tolerance: 3% of step time ({@link Choice#DEFAULT_TIE_TOLERANCE}). */
    public static final double DEFAULT_TIE_TOLERANCE = Choice.DEFAULT_TIE_TOLERANCE;

    private static volatile AccessPlanner bundled;

    private final StrategyModel model;
    private final double tieTolerance;

    private AccessPlanner(StrategyModel model, double tieTolerance) {
        if (!(tieTolerance >= 0 && tieTolerance < 1)) {
            throw new IllegalArgumentException("Invalid tie tolerance: " + tieTolerance + " (must be in [0, 1))");
        }
        this.model = model;
        this.tieTolerance = tieTolerance;
    }

    /** A planner serving a loaded model. */
    public static AccessPlanner of(StrategyModel model) {
        return new AccessPlanner(model, DEFAULT_TIE_TOLERANCE);
    }

    /** This planner with another tie tolerance (0: always the fastest predicted). */
    public AccessPlanner withTieTolerance(double tolerance) {
        return new AccessPlanner(model, tolerance);
    }

    /** Loads a model file; an unreadable or foreign file is refused with a one-line reason. */
    public static AccessPlanner load(Path modelFile) throws IOException {
        return of(StrategyModel.load(modelFile));
    }

    /** The bundled default model (loaded once). */
    public static AccessPlanner bundled() {
        AccessPlanner b = bundled;
        if (b == null) {
            synchronized (AccessPlanner.class) {
                b = bundled;
                if (b == null) {
                    try (InputStream in = AccessPlanner.class.getResourceAsStream(BUNDLED_RESOURCE)) {
                        if (in == null) {
                            throw new IllegalStateException("bundled model " + BUNDLED_RESOURCE + " missing from the jar");
                        }
                        b = of(StrategyModel.fromBytes(in.readAllBytes(), "bundled model"));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    bundled = b;
                }
            }
        }
        return b;
    }

    /** The model served. */
    public StrategyModel model() {
        return model;
    }

    /** The tie tolerance in force. */
    public double tieTolerance() {
        return tieTolerance;
    }

    /** Recommends a strategy for one workload. */
    public Recommendation recommend(Workload w) {
        if (w == null) {
            throw new IllegalArgumentException("Invalid workload: null (recommend needs a Workload: model, training, device)");
        }
        StrategyModel.Scored scored = model.score(w);
        if (scored.predictions().isEmpty()) {
            throw new IllegalArgumentException("No candidate strategy for workload " + w.canonical());
        }
        return decide(w, searchLayers(w, scored));
    }

    /**
     * The candidates' predictions and, for each partial-capable policy group (same micro-batches
     * and optimizer placement) whose whole-model strategy is predicted to fit and whose
     * {@code keep} is not, the prediction of the smallest layer count predicted to fit.
     *
     * <p>The search brackets N between 0 (keep, does not fit) and L (the whole policy, fits) and
     * narrows the bracket, all groups in lockstep, one batch of probes per round, each probe asked
     * only whether it fits ({@link StrategyModel#probe}: the peak forest alone, the rule of a full
     * prediction); the groups' smallest fitting counts are then predicted in full in one batch, at
     * the candidates' level, from their probes ({@link StrategyModel#predictProbed}: the step-time
     * forest alone, no planning or encoding again). Its first probes are where the requirement,
     * interpolated linearly between keep's and the whole policy's predicted ones, meets the capacity
     * (each layer a policy takes over saves about the same bytes: Korthikanti et al. 2022, Table 2),
     * and the count just below it, so a near-linear curve is settled in one round. Where both fall on
     * one side, it gallops away from them (1, 2, 4 ... layers on) until a probe falls on the other
     * side, then bisects what is left: the found count is almost always within two layers of the
     * guess (98% of the groups of {@code PredictorBenchmark}'s workloads), which a gallop settles in
     * one or two more probes, where bisecting from the guess to the bracket's end took four or five.
     * Where the predicted fit is monotone in N, every such search finds the same count, the smallest
     * fitting one; where it is not, the count found depends on the probes asked (over 6,000
     * workloads, 3 lookups' alternatives differed from the bisection's, no chosen strategy).
     */
    List<Prediction> searchLayers(Workload w, StrategyModel.Scored scored) {
        List<Prediction> ps = scored.predictions();
        int layers = w.model().layers();
        if (layers < 2) {
            return ps;
        }
        List<Prediction> wholes = new ArrayList<>();
        List<Prediction> keeps = new ArrayList<>();
        Prediction[] keepOf = keeps(ps);
        for (Prediction p : ps) {
            Strategy s = p.strategy();
            if (!s.policy().partial() || !p.fits()) {
                continue;
            }
            Prediction keep = keepOf[keepSlot(s)];
            if (keep != null && !keep.fits()) {
                wholes.add(p);
                keeps.add(keep);
            }
        }
        if (wholes.isEmpty()) {
            return ps;
        }
        int g = wholes.size();
        int[] lo = new int[g];      // largest count known not to fit (0: keep)
        int[] hi = new int[g];      // smallest count known to fit (layers: the whole policy)
        int[] guess = new int[g];
        for (int i = 0; i < g; i++) {
            hi[i] = layers;
            double need0 = keeps.get(i).requiredBytes();
            double needL = wholes.get(i).requiredBytes();
            double cap = wholes.get(i).capacityBytes();
            double at = need0 > needL ? Math.ceil(layers * (need0 - cap) / (need0 - needL)) : layers;
            guess[i] = (int) Math.max(1, Math.min(layers - 1, at));
        }
        List<Strategy> probe = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        // each group's probe at hi (null while hi is the whole policy): predicted in full at the end
        StrategyModel.Probe[] atHi = new StrategyModel.Probe[g];
        // per group, after the first round: the gallop's next step away from the guess, down from
        // hi (< 0) or up from lo (> 0), or 0 once the bracket holds the guess's side: bisection
        int[] step = new int[g];
        // per group and round, whether some probe fit and whether some did not
        boolean[] fitSeen = new boolean[g];
        boolean[] unfitSeen = new boolean[g];
        for (boolean first = true; ; first = false) {
            probe.clear();
            owner.clear();
            for (int i = 0; i < g; i++) {
                if (hi[i] - lo[i] <= 1) {
                    continue;
                }
                Strategy whole = wholes.get(i).strategy();
                if (first) {
                    if (guess[i] > 1) {
                        probe.add(whole.withPolicyLayers(guess[i] - 1));
                        owner.add(i);
                    }
                    probe.add(whole.withPolicyLayers(guess[i]));
                } else {
                    int n = step[i] < 0 ? hi[i] + step[i] : step[i] > 0 ? lo[i] + step[i] : (lo[i] + hi[i]) >>> 1;
                    probe.add(whole.withPolicyLayers(Math.max(lo[i] + 1, Math.min(hi[i] - 1, n))));
                }
                owner.add(i);
            }
            if (probe.isEmpty()) {
                break;
            }
            java.util.Arrays.fill(fitSeen, false);
            java.util.Arrays.fill(unfitSeen, false);
            // a probe needs only whether it fits: the peak forest alone
            List<StrategyModel.Probe> looked = model.probe(w, probe);
            for (int k = 0; k < looked.size(); k++) {
                int i = owner.get(k);
                int n = probe.get(k).policyLayers();
                boolean fits = looked.get(k).fits();
                fitSeen[i] |= fits;
                unfitSeen[i] |= !fits;
                if (fits && n < hi[i]) {
                    hi[i] = n;
                    atHi[i] = looked.get(k);
                } else if (!fits && n > lo[i]) {
                    lo[i] = n;
                }
            }
            for (int i = 0; i < g; i++) {
                lo[i] = Math.min(lo[i], hi[i] - 1);   // a model not quite monotone: keep the bracket valid
                if (!fitSeen[i] && !unfitSeen[i]) {
                    continue;   // settled before this round
                }
                if (first) {
                    // both probes on one side of the guess: gallop away from it, 1 layer first;
                    // on both sides: the boundary is between them
                    step[i] = fitSeen[i] == unfitSeen[i] ? 0 : fitSeen[i] ? -1 : 1;
                } else if (step[i] < 0 == fitSeen[i]) {
                    step[i] *= 2;   // still on the side it left: a step twice as long
                } else {
                    step[i] = 0;    // crossed the boundary: bisect the bracket it leaves
                }
            }
        }
        // each group's smallest fitting count, predicted in full once from its probe (a prediction
        // does not depend on the batch it is asked for in)
        List<StrategyModel.Probe> found = new ArrayList<>(g);
        for (int i = 0; i < g; i++) {
            if (hi[i] < layers) {
                found.add(atHi[i]);
            }
        }
        List<Prediction> out = new ArrayList<>(ps.size() + found.size());
        out.addAll(ps);
        if (!found.isEmpty()) {
            out.addAll(model.predictProbed(w, found, scored.level()));
        }
        return out;
    }

    /**
     * For each micro-batch count and optimizer placement ({@link #keepSlot}), the first prediction
     * of {@code keep} with them, or null: one pass instead of a scan for each partial-capable
     * strategy.
     */
    private static Prediction[] keeps(List<Prediction> ps) {
        Prediction[] out = new Prediction[2 * Strategy.MICRO_BATCHES.length];
        for (Prediction p : ps) {
            Strategy k = p.strategy();
            if (k.policy() == io.accessplan.features.ActivationPolicy.KEEP && out[keepSlot(k)] == null) {
                out[keepSlot(k)] = p;
            }
        }
        return out;
    }

    /** A strategy's place in {@link #keeps}: by its micro-batches (1, 2, 4 or 8) and optimizer placement. */
    private static int keepSlot(Strategy s) {
        return 2 * Integer.numberOfTrailingZeros(s.microBatches()) + (s.optimizerOffload() ? 1 : 0);
    }

    /**
     * Answers a workload under an objective ({@code time}, {@code energy}, {@code energy-within:P%}),
     * with what the other objective would pick; an energy objective needs a model with an energy
     * regressor and is refused in one line otherwise.
     */
    public ObjectiveAnswer recommend(Workload w, io.accessplan.model.Objective objective) {
        if (w == null || objective == null) {
            throw new IllegalArgumentException("Invalid lookup: workload and objective are required");
        }
        return ObjectiveAnswer.of(model, w, objective, tieTolerance);
    }

    /**
     * Recommends for many workloads, in order; spreads the work over the available cores
     * ({@link #eachOnAllCores}).
     */
    public List<Recommendation> recommendAll(List<Workload> workloads) {
        if (workloads == null) {
            throw new IllegalArgumentException("Invalid workloads: null (recommendAll needs a list of workloads)");
        }
        for (int i = 0; i < workloads.size(); i++) {
            if (workloads.get(i) == null) {
                throw new IllegalArgumentException("Invalid workload at index " + i + ": null");
            }
        }
        return eachOnAllCores(workloads, this::recommend);
    }

    /**
     * {@code f} of every element, in order, computed by the calling thread and helpers from the
     * common pool (one fewer than the cores), each taking the next element from one counter, so all
     * finish within one element of each other: a parallel stream's split into blocks of ~125 left a
     * core idle for most of a block at the end (lookups take 10 to 300 us). If {@code f} throws, the
     * others stop at their next element and the exception is thrown once they have.
     */
    static <T, R> List<R> eachOnAllCores(List<T> in, java.util.function.Function<T, R> f) {
        Object[] out = new Object[in.size()];
        int helpers = Math.min(out.length, Runtime.getRuntime().availableProcessors()) - 1;
        AtomicInteger next = new AtomicInteger();
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        Runnable work = () -> {
            for (int i = next.getAndIncrement(); i < out.length; i = next.getAndIncrement()) {
                try {
                    out[i] = f.apply(in.get(i));
                } catch (RuntimeException e) {
                    failed.compareAndSet(null, e);
                    next.set(out.length);
                    return;
                }
            }
        };
        List<ForkJoinTask<?>> tasks = new ArrayList<>(Math.max(0, helpers));
        for (int h = 0; h < helpers; h++) {
            tasks.add(ForkJoinPool.commonPool().submit(work));
        }
        work.run();
        for (ForkJoinTask<?> t : tasks) {
            t.join();   // its writes to out happen before join returns
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        @SuppressWarnings("unchecked")
        List<R> answers = (List<R>) List.of(out);
        return answers;
    }

    private Recommendation decide(Workload w, List<Prediction> ps) {
        int n = ps.size();
        Choice.Decision d = Choice.decide(ps, tieTolerance);
        Prediction chosen = ps.get(d.chosen());
        boolean fits = d.fits();
        Throughput.OfWorkload rates = new Throughput.OfWorkload(w);
        String chosenName = chosen.strategy().toString();
        // the alternatives' why-lost lines and throughputs are computed when asked for, not here
        Deferred deferred = new Deferred(ps, d.chosen(), chosenName, fits, d.lessWork(), rates);
        // every prediction but the chosen one (each appears once in ps)
        Alternative[] alts = new Alternative[n - 1];
        int a = 0;
        for (int i = 0; i < n; i++) {
            Prediction p = ps.get(i);
            if (p != chosen) {
                alts[a++] = new Alternative(p.strategy(), p.stepTimeMs(), p.peakBytes(), p.fits(), deferred, i);
            }
        }
        // fitting first, then by predicted step time (Double.compare); stable, as List.sort is
        sortByFitThenTime(alts, a);
        int batch = w.training().batch();
        Throughput speed = rates.of(chosen.strategy(), chosen.stepTimeMs());
        // the summary line, too, is built when asked for (Deferred#summary)
        return new Recommendation(w, chosen.strategy(), fits, chosen.stepTimeMs(), chosen.stepTimeLowMs(),
                chosen.stepTimeHighMs(), chosen.throughput(batch), chosen.peakBytes(), chosen.peakLowBytes(),
                chosen.peakHighBytes(), chosen.headroomBytes(), List.of(alts), deferred, speed);
    }

    /** The alternatives' order: fitting ones first, then by predicted step time. */
    static int byFitThenTime(Alternative x, Alternative y) {
        if (x.fits() != y.fits()) {
            return x.fits() ? -1 : 1;
        }
        return Double.compare(x.predictedStepTimeMs(), y.predictedStepTimeMs());
    }

    /**
     * Sorts {@code alts[0..n)} by {@link #byFitThenTime}, stably: a stable sort's order is the only
     * one its comparator allows, so this is {@code Arrays.sort}'s; insertion sorts of a lookup's
     * few dozen alternatives, each comparison inlined, cost less than the general one's calls.
     */
    static void sortByFitThenTime(Alternative[] alts, int n) {
        // the fitting ones first, each part in its order (a stable partition), then each part by
        // time alone: the order of a stable sort by fit then time, with no comparison across parts
        Alternative[] rest = new Alternative[n];
        int fit = 0;
        int over = 0;
        for (int i = 0; i < n; i++) {
            if (alts[i].fits()) {
                alts[fit++] = alts[i];
            } else {
                rest[over++] = alts[i];
            }
        }
        System.arraycopy(rest, 0, alts, fit, over);
        sortByTime(alts, 0, fit);
        sortByTime(alts, fit, n);
    }

    /** Sorts {@code alts[from..to)} by predicted step time ({@link Double#compare}), stably: an insertion sort. */
    private static void sortByTime(Alternative[] alts, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            Alternative x = alts[i];
            double t = x.predictedStepTimeMs();
            int j = i - 1;
            while (j >= from && Double.compare(alts[j].predictedStepTimeMs(), t) > 0) {
                alts[j + 1] = alts[j];
                j--;
            }
            alts[j + 1] = x;
        }
    }

    /** {@code 0.277 samples/s, 2267 tokens/s, MFU 41.2%} (no tokens for the mlp family). */
    static String rates(Throughput t) {
        return Throughput.readable(t.samplesPerSecond()) + " samples/s, "
                + (Double.isNaN(t.tokensPerSecond()) ? "" : Throughput.readable(t.tokensPerSecond()) + " tokens/s, ")
                + "MFU " + Throughput.percent(t.mfu());
    }

    /**
     * A number with a fixed count of decimals (0 to 2): {@code |v| * 10^N} rounded half up by
     * {@link Math#round}, the sign in front. That is what {@code %.Nf} prints except where
     * {@code v * 10^N} lies within rounding error of a tie (String.format rounds the decimal value,
     * this the product's binary one) or is huge; {@link #fixedExact} is the one that always agrees.
     */
    static String fixed(double v, int decimals) {
        if (!Double.isFinite(v) || Math.abs(v) >= 1e15) {
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
        long scale = decimals == 0 ? 1 : decimals == 1 ? 10 : 100;
        long n = Math.round(Math.abs(v) * scale);
        StringBuilder sb = new StringBuilder(v < 0 ? "-" : "").append(n / scale);
        if (decimals > 0) {
            String frac = Long.toString(n % scale);
            sb.append('.');
            for (int i = frac.length(); i < decimals; i++) {
                sb.append('0');
            }
            sb.append(frac);
        }
        return sb.toString();
    }

    /**
     * What {@code String.format(Locale.ROOT, "%.Nf", v)} prints, for {@code decimals} 0 to 2: the
     * fast {@link #fixed} where it agrees with it, String.format itself where {@code v * 10^N}
     * lies within rounding error of a tie (there the two may round differently), or is so large
     * (from 10^9 on) that its rounding error may reach the tie window.
     */
    static String fixedExact(double v, int decimals) {
        double scaled = Math.abs(v) * (decimals == 0 ? 1 : decimals == 1 ? 10 : 100);
        if (!(scaled < 1e9) || !(Math.abs(scaled - Math.floor(scaled) - 0.5) >= 1e-6)) {
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
        return fixed(v, decimals);
    }

    /** {@link Choice#doesLessWork}. */
    static boolean doesLessWork(Strategy a, Strategy b) {
        return Choice.doesLessWork(a, b);
    }

    /** {@link Choice#plainness}. */
    static int plainness(Strategy s) {
        return Choice.plainness(s);
    }


}
