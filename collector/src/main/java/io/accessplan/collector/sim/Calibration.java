package io.accessplan.collector.sim;

import io.accessplan.collector.BackendOptions;
import io.accessplan.features.plan.Op;
import io.accessplan.features.plan.OpKind;
import io.accessplan.features.plan.Schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Fits the simulator's per-kernel-class parameters ({@link SimParameters}) to a card's measured
 * step times: the calibrated twin of that card.
 *
 * <h2>Method</h2>
 * Nonlinear least squares on log step time [1]: the residual of a measured row is
 * {@code log(sim(theta)) - log(measured)}, where {@code sim} is the noiseless replay of the row's
 * schedule on the simulator's timeline (two streams, the host thread, the schedule's
 * dependencies; so a faster copy only helps where it was on the critical path) and
 * {@code theta} the logarithms of the parameters. Log time weighs a 5 ms and a 4 s step alike and
 * keeps every parameter positive. The solver is the collector's Levenberg-Marquardt
 * ({@link LeastSquares}).
 *
 * <p>Only parameters that some row exercises are fitted (no fp32 row: the fp32 GEMM efficiency
 * stays at its default; no offloaded optimizer: neither do the host optimizer's; Adam's host cost
 * beyond its FLOPs only beside SGD's); the others keep the start's values and are marked not
 * fitted ({@link CalibrationRun} may set the subnormal-moment cost from a host benchmark, and the
 * profile records each value's source). A weak prior (a residual of {@link #PRIOR_WEIGHT}
 * times the log distance from the default: a parameter a factor e away costs what one row 10% off
 * does) pulls a
 * parameter the rows barely constrain towards the simulator's published default instead of
 * letting it wander along a flat direction; parameters whose default is 0 have none.
 *
 * <h2>Uncertainty</h2>
 * Standard errors from the Gauss-Newton covariance at the optimum [2]:
 * {@code s^2 (J^T J)^-1} with {@code s^2} the residual variance {@code SSR / (n - p)} and
 * {@code J} the Jacobian of the data residuals in log parameters. A log-space standard error of
 * 0.05 is about +-5% on the value. It assumes independent rows, which rows of one workload are
 * not (they share its architecture), so the figures are optimistic; the held-out error of the
 * calibrate command is the honest check.
 *
 * <p>References:
 * [1] K. Levenberg, A Method for the Solution of Certain Non-Linear Problems in Least Squares,
 *     Quart. Appl. Math. 2, 1944; D. Marquardt, SIAM J. Appl. Math. 11, 1963.
 * [2] G. Seber and C. Wild, Nonlinear Regression, Wiley 1989, section 2.1 (asymptotic covariance).
 */
public final class Calibration {
    /**
     * Weight of the prior towards the start, per parameter, in log units: the ratio of the rows'
     * noise to the prior's spread. Measured rows scatter ~0.1 in log around any twin (repeats,
     * host state, what no kernel class explains), and the prior's spread is a factor e, so 0.1.
     */
    public static final double PRIOR_WEIGHT = 0.1;

    /** Starting values of the parameters whose default is 0: a millisecond a step, a nanosecond a parameter. */
    private static final java.util.Map<SimParameters.Name, Double> ZERO_DEFAULT_START = java.util.Map.of(
            SimParameters.Name.HOST_OPTIMIZER_LATENCY, 1e-3, SimParameters.Name.HOST_FP16_CAST_SECONDS, 1e-9,
            SimParameters.Name.HOST_FP16_SUBNORMAL_SECONDS, 1e-9, SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS, 1e-9,
            SimParameters.Name.HOST_ADAM_SECONDS, 1e-9);

    /** Least share of a row's parameters meeting a value class for that class's cost to count as exercised. */
    static final double MIN_SHARE = 0.05;

    /** A parameter stays within a factor e^20 of its start: beyond, a kernel class no longer exists or takes forever. */
    private static final double MAX_LOG_STEP = 20;

    /** Most descents of the solver, each from the last one's optimum. */
    private static final int RESTARTS = 5;

    private Calibration() {
    }

    /**
     * One measured step.
     *
     * @param schedule       the schedule the GPU ran (its workload names the device)
     * @param measuredMs     the measured median step time, ms
     * @param architectureId the workload's architecture (for held-out splits)
     */
    public record Point(Schedule schedule, double measuredMs, String architectureId) {
        /** Validates the time. */
        public Point {
            if (!(measuredMs > 0) || !Double.isFinite(measuredMs)) {
                throw new IllegalArgumentException("Invalid measured step time: " + measuredMs);
            }
        }
    }

    /**
     * A fit.
     *
     * @param parameters the fitted parameters (unfitted ones at the start's value)
     * @param fitted     which parameters the rows exercised and the fit moved
     * @param logStderr  standard error of the log of each parameter (NaN where not fitted)
     * @param rows       rows fitted
     * @param rmsLogError root mean square of the log residuals at the optimum
     */
    public record Result(SimParameters parameters, Set<SimParameters.Name> fitted, double[] logStderr, int rows,
                         double rmsLogError) {
        /** Copies the arrays. */
        public Result {
            fitted = Set.copyOf(fitted);
            logStderr = logStderr.clone();
        }

        @Override
        public double[] logStderr() {
            return logStderr.clone();
        }
    }

    /** Noiseless simulated step time (ms) of every point under the parameters. */
    public static double[] simulatedMs(List<Point> points, SimParameters p) {
        SimBackend sim = new SimBackend(BackendOptions.defaults(), p);
        double[] out = new double[points.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = sim.replay(points.get(i).schedule()).seconds() * 1e3;
        }
        return out;
    }

    /**
     * The parameters that at least one of the points exercises. Adam's host cost beyond its FLOPs
     * counts only where the points update on the host with both optimizers: with Adam alone it
     * and the host FLOP rate are one per-parameter cost.
     */
    public static Set<SimParameters.Name> identifiable(List<Point> points) {
        Set<SimParameters.Name> s = EnumSet.noneOf(SimParameters.Name.class);
        Set<io.accessplan.features.OptimizerKind> hostOptimizers = EnumSet.noneOf(io.accessplan.features.OptimizerKind.class);
        for (Point pt : points) {
            Schedule sc = pt.schedule();
            boolean mixed = sc.workload().training().precision().mixed();
            for (Op op : sc.ops()) {
                OpKind k = op.kind();
                switch (k) {
                    case GEMM -> {
                        s.add(mixed ? SimParameters.Name.GEMM_EFFICIENCY_16 : SimParameters.Name.GEMM_EFFICIENCY_32);
                        s.add(SimParameters.Name.GEMM_FILL);
                        s.add(SimParameters.Name.GEMM_FILL_SHARPNESS);
                    }
                    case FUSED_ATTENTION -> s.add(SimParameters.Name.ATTENTION_EFFICIENCY);
                    case ELEMENTWISE, DROPOUT -> s.add(SimParameters.Name.POINTWISE_BANDWIDTH);
                    case NORM -> s.add(SimParameters.Name.NORM_BANDWIDTH);
                    case SOFTMAX -> s.add(SimParameters.Name.SOFTMAX_BANDWIDTH);
                    case EMBEDDING, LOSS -> s.add(SimParameters.Name.EMBEDDING_LOSS_BANDWIDTH);
                    case OPTIMIZER -> s.add(SimParameters.Name.OPTIMIZER_BANDWIDTH);
                    case HOST_OPTIMIZER -> {
                        hostOptimizers.add(sc.workload().training().optimizer());
                        s.add(SimParameters.Name.HOST_OPTIMIZER_FLOPS);
                        s.add(SimParameters.Name.HOST_OPTIMIZER_LATENCY);
                        if (sc.workload().training().precision() == io.accessplan.features.Precision.FP16) {
                            s.add(SimParameters.Name.HOST_FP16_CAST_SECONDS);
                        }
                        // a value class counts where some row meets it on a share that moves its step
                        GradientValues v = GradientValues.of(sc);
                        if (v.halfSubnormal() > MIN_SHARE) {
                            s.add(SimParameters.Name.HOST_FP16_SUBNORMAL_SECONDS);
                        }
                        if (v.zero() > MIN_SHARE) {
                            s.add(SimParameters.Name.HOST_FP16_ZERO_CAST);
                        }
                        if (v.subnormalMoment() > MIN_SHARE) {
                            s.add(SimParameters.Name.HOST_SUBNORMAL_MOMENT_SECONDS);
                        }
                    }
                    case COPY_D2H, COPY_H2D -> s.add(SimParameters.Name.COPY_EFFICIENCY);
                    default -> {
                    }
                }
                if (k != OpKind.ALLOC && k != OpKind.FREE && k != OpKind.HOST_OPTIMIZER) {
                    s.add(SimParameters.Name.LAUNCH_SECONDS);

                }
            }
        }
        if (hostOptimizers.size() == io.accessplan.features.OptimizerKind.values().length) {
            s.add(SimParameters.Name.HOST_ADAM_SECONDS);
        }
        return s;
    }

    /**
     * FLOPs per parameter of an Adam update in the planner's count ({@code ModelState}): the
     * host FLOP rate of {@link SimParameters.Name#HOST_OPTIMIZER_FLOPS} is at this count.
     */
    static final double ADAM_FLOPS_PER_PARAMETER = 12;

    /**
     * Host seconds per parameter of an Adam update on normal values under the parameters: its FLOPs
     * at the host rate and Adam's cost beyond them, without the fixed latency, the fp16 casts or
     * any value class (what {@link SimBackend} charges a parameter of an fp32 or bf16 Adam step).
     */
    public static double adamHostSecondsPerParameter(SimParameters p) {
        return ADAM_FLOPS_PER_PARAMETER / p.get(SimParameters.Name.HOST_OPTIMIZER_FLOPS)
                + p.get(SimParameters.Name.HOST_ADAM_SECONDS);
    }

    /** Fits from the simulator's defaults with the default prior. */
    public static Result fit(List<Point> points) {
        return fit(points, SimParameters.DEFAULTS, PRIOR_WEIGHT);
    }

    /**
     * Fits the identifiable parameters to the points, starting from (and with the prior at)
     * {@code start}.
     *
     * @param priorWeight weight of the prior ({@link #PRIOR_WEIGHT}; near 0 for noiseless rows)
     */
    public static Result fit(List<Point> points, SimParameters start, double priorWeight) {
        if (!(priorWeight >= 0) || !Double.isFinite(priorWeight)) {
            throw new IllegalArgumentException("Invalid prior weight: " + priorWeight);
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("No measured rows to calibrate on");
        }
        SimParameters.Name[] free = identifiable(points).toArray(new SimParameters.Name[0]);
        int n = points.size();
        int np = free.length;
        double[] logMeasured = new double[n];
        for (int i = 0; i < n; i++) {
            logMeasured[i] = Math.log(points.get(i).measuredMs());
        }
        double[] theta0 = new double[np];
        double[] prior = new double[np];
        for (int j = 0; j < np; j++) {
            double v = start.get(free[j]);
            // a parameter whose default is 0 (an effect the simulator as written leaves out) starts
            // at a small positive value and has no prior
            theta0[j] = Math.log(v > 0 ? v : ZERO_DEFAULT_START.getOrDefault(free[j], 1e-3));
            prior[j] = theta0[j];
        }
        java.util.function.BiConsumer<double[], double[]> residuals = (theta, r) -> {
            for (int j = 0; j < np; j++) {
                if (!(Math.abs(theta[j] - theta0[j]) <= MAX_LOG_STEP)) {
                    Arrays.fill(r, Double.NaN);   // the solver rejects a step that leaves the range
                    return;
                }
            }
            SimParameters q = apply(start, free, theta);
            double[] sim = simulatedMs(points, q);
            for (int i = 0; i < n; i++) {
                r[i] = Math.log(sim[i]) - logMeasured[i];
            }
            for (int j = 0; j < np; j++) {
                r[n + j] = start.get(free[j]) == 0 ? 0 : priorWeight * (theta[j] - prior[j]);
            }
        };
        int count = n + np;
        // first with the launch cost held at its start: where it binds, a step is as long as its
        // launches, a kink that early, far-off values of the other classes can push it across
        double[] theta = theta0;
        int launch = Arrays.asList(free).indexOf(SimParameters.Name.LAUNCH_SECONDS);
        if (launch >= 0 && np > 1) {
            int[] others = java.util.stream.IntStream.range(0, np).filter(j -> j != launch).toArray();
            theta = descend(residuals, count, theta, others);
        }
        theta = descend(residuals, count, theta, java.util.stream.IntStream.range(0, np).toArray());
        SimParameters fitted = apply(start, free, theta);

        double[] r = new double[count];
        residuals.accept(theta, r);
        double ssr = 0;
        for (int i = 0; i < n; i++) {
            ssr += r[i] * r[i];
        }
        double[] logStderr = new double[SimParameters.Name.values().length];
        Arrays.fill(logStderr, Double.NaN);
        double[] se = stderr(residuals, count, n, theta, r, ssr);
        for (int j = 0; j < np; j++) {
            logStderr[free[j].ordinal()] = se[j];
        }
        Set<SimParameters.Name> fittedSet = EnumSet.noneOf(SimParameters.Name.class);
        fittedSet.addAll(Arrays.asList(free));
        return new Result(fitted, fittedSet, logStderr, n, Math.sqrt(ssr / n));
    }

    /**
     * Minimises over the parameters {@code move} (the others held), restarting from each optimum
     * with fresh damping until the cost stops falling: the makespan is piecewise linear in the
     * durations, and a kink can stall one descent.
     */
    private static double[] descend(java.util.function.BiConsumer<double[], double[]> residuals, int count,
                                    double[] theta, int[] move) {
        if (move.length == 0) {
            return theta;
        }
        double[] base = theta.clone();
        java.util.function.BiConsumer<double[], double[]> sub = (x, r) -> {
            double[] full = base.clone();
            for (int j = 0; j < move.length; j++) {
                full[move[j]] = x[j];
            }
            residuals.accept(full, r);
        };
        double[] x = new double[move.length];
        for (int j = 0; j < move.length; j++) {
            x[j] = theta[move[j]];
        }
        double cost = LeastSquares.cost(sub, count, x);
        for (int round = 0; round < RESTARTS; round++) {
            double[] next = LeastSquares.minimize(sub, count, x);
            double c = LeastSquares.cost(sub, count, next);
            if (!(c < cost * (1 - 1e-9))) {
                break;
            }
            x = next;
            cost = c;
        }
        double[] out = base.clone();
        for (int j = 0; j < move.length; j++) {
            out[move[j]] = x[j];
        }
        return out;
    }

    private static SimParameters apply(SimParameters start, SimParameters.Name[] free, double[] theta) {
        double[] v = start.values();
        for (int j = 0; j < free.length; j++) {
            v[free[j].ordinal()] = Math.exp(theta[j]);
        }
        return new SimParameters(v);
    }

    /** Gauss-Newton standard errors of the free log parameters from the data residuals' Jacobian. */
    private static double[] stderr(java.util.function.BiConsumer<double[], double[]> residuals, int count, int n,
                                   double[] theta, double[] r, double ssr) {
        int np = theta.length;
        double[] se = new double[np];
        if (np == 0) {
            return se;
        }
        double h = 1e-5;
        double[][] jac = new double[n][np];
        double[] rs = new double[count];
        for (int j = 0; j < np; j++) {
            double[] t = theta.clone();
            t[j] += h;
            residuals.accept(t, rs);
            for (int i = 0; i < n; i++) {
                jac[i][j] = (rs[i] - r[i]) / h;
            }
        }
        double[][] a = new double[np][np];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < np; j++) {
                for (int l = 0; l < np; l++) {
                    a[j][l] += jac[i][j] * jac[i][l];
                }
            }
        }
        double s2 = n > np ? ssr / (n - np) : Double.NaN;
        for (int j = 0; j < np; j++) {
            double[][] m = new double[np][];
            for (int l = 0; l < np; l++) {
                m[l] = a[l].clone();
            }
            double[] e = new double[np];
            e[j] = 1;
            double[] col = LeastSquares.gauss(m, e);
            double v = col[j] * s2;
            se[j] = a[j][j] > 0 && v >= 0 ? Math.sqrt(v) : Double.NaN;   // an unexercised direction: unknown
        }
        return se;
    }

    /** The points whose architecture is (or, with {@code keep} false, is not) in the set. */
    public static List<Point> select(List<Point> points, Set<String> architectures, boolean keep) {
        List<Point> out = new ArrayList<>();
        for (Point p : points) {
            if (architectures.contains(p.architectureId()) == keep) {
                out.add(p);
            }
        }
        return out;
    }
}
