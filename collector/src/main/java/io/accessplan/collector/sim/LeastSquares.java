package io.accessplan.collector.sim;

import java.util.function.BiConsumer;

/**
 * A small Levenberg-Marquardt solver for the few-parameter curve fits of the simulator
 * (Levenberg 1944, Marquardt 1963; the damping schedule of Press et al., Numerical Recipes,
 * 3rd ed., section 15.5.2). Forward-difference Jacobian, diagonal (Marquardt) damping.
 * Deterministic: the same data and start give the same parameters on every run.
 */
final class LeastSquares {
    /** Iteration cap: the fits here converge in a few dozen iterations. */
    private static final int MAX_ITERATIONS = 300;
    /** Forward-difference step on the (log- or logit-scaled) parameters. */
    private static final double STEP = 1e-6;

    private LeastSquares() {
    }

    /**
     * Minimises the sum of squared residuals from each start and returns the best parameters.
     *
     * @param residuals writes the residuals of the parameters (first argument) into the array
     *                  (second argument), which has {@code count} entries
     * @param count     number of residuals
     * @param starts    starting points, all of the same length
     */
    static double[] minimize(BiConsumer<double[], double[]> residuals, int count, double[]... starts) {
        double[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (double[] start : starts) {
            double[] p = solve(residuals, count, start.clone());
            double c = cost(residuals, count, p);
            if (c < bestCost) {
                bestCost = c;
                best = p;
            }
        }
        return best;
    }

    static double cost(BiConsumer<double[], double[]> residuals, int count, double[] p) {
        double[] r = new double[count];
        residuals.accept(p, r);
        double c = 0;
        for (double x : r) {
            c += x * x;
        }
        return Double.isNaN(c) ? Double.POSITIVE_INFINITY : c;
    }

    private static double[] solve(BiConsumer<double[], double[]> residuals, int count, double[] p) {
        int np = p.length;
        double[] r = new double[count];
        double[] rs = new double[count];
        double[][] jac = new double[count][np];
        double lambda = 1e-3;
        residuals.accept(p, r);
        double cost = sq(r);
        for (int it = 0; it < MAX_ITERATIONS && Double.isFinite(cost); it++) {
            for (int j = 0; j < np; j++) {
                double keep = p[j];
                p[j] = keep + STEP;
                residuals.accept(p, rs);
                p[j] = keep;
                for (int i = 0; i < count; i++) {
                    jac[i][j] = (rs[i] - r[i]) / STEP;
                }
            }
            double[][] a = new double[np][np];
            double[] g = new double[np];
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < np; j++) {
                    g[j] += jac[i][j] * r[i];
                    for (int l = 0; l <= j; l++) {
                        a[j][l] += jac[i][j] * jac[i][l];
                    }
                }
            }
            boolean improved = false;
            while (!improved && lambda < 1e12) {
                double[][] m = new double[np][np];
                double[] b = new double[np];
                for (int j = 0; j < np; j++) {
                    for (int l = 0; l <= j; l++) {
                        m[j][l] = a[j][l];
                        m[l][j] = a[j][l];
                    }
                    m[j][j] = a[j][j] * (1 + lambda) + 1e-12;
                    b[j] = -g[j];
                }
                double[] delta = gauss(m, b);
                double[] q = p.clone();
                for (int j = 0; j < np; j++) {
                    q[j] += delta[j];
                }
                residuals.accept(q, rs);
                double c = sq(rs);
                if (c < cost) {
                    boolean converged = cost - c < 1e-12 * (1 + cost);
                    System.arraycopy(q, 0, p, 0, np);
                    System.arraycopy(rs, 0, r, 0, count);
                    cost = c;
                    lambda = Math.max(lambda / 3, 1e-12);
                    improved = true;
                    if (converged) {
                        return p;
                    }
                } else {
                    lambda *= 4;
                }
            }
            if (!improved) {
                break;
            }
        }
        return p;
    }

    private static double sq(double[] r) {
        double c = 0;
        for (double x : r) {
            c += x * x;
        }
        return Double.isNaN(c) ? Double.POSITIVE_INFINITY : c;
    }

    /** Gaussian elimination with partial pivoting on a small dense system. */
    static double[] gauss(double[][] m, double[] b) {
        int n = b.length;
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) {
                    piv = r;
                }
            }
            double[] t = m[c];
            m[c] = m[piv];
            m[piv] = t;
            double tb = b[c];
            b[c] = b[piv];
            b[piv] = tb;
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k < n; k++) {
                    m[r][k] -= f * m[c][k];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int k = r + 1; k < n; k++) {
                s -= m[r][k] * x[k];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }
}
