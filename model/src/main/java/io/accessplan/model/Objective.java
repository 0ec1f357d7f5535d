package io.accessplan.model;

import java.util.List;
import java.util.Locale;

/**
 * What "best" means for a lookup: {@code time} (the fastest fitting step, by {@link Choice}),
 * {@code energy} (least energy per sample among the strategies predicted to fit; the batch is
 * the workload's, so least energy per step), or {@code energy-within:P%} (least energy among the
 * fitting strategies at most P% slower than the fastest fitting one).
 *
 * @param kind  which rule
 * @param slack for {@link Kind#ENERGY_WITHIN}, the allowed slowdown as a fraction (0.05 for 5%); 0 otherwise
 */
public record Objective(Kind kind, double slack) {
    /** The rules. */
    public enum Kind {
        /** Fastest fitting step. */
        TIME,
        /** Least energy among fitting strategies. */
        ENERGY,
        /** Least energy among fitting strategies within a slowdown of the fastest. */
        ENERGY_WITHIN
    }

    /** The default: fastest step. */
    public static final Objective TIME = new Objective(Kind.TIME, 0);
    /** Least energy. */
    public static final Objective ENERGY = new Objective(Kind.ENERGY, 0);

    /** Validates the slack. */
    public Objective {
        if (kind == null) {
            throw new IllegalArgumentException("Invalid objective: null");
        }
        if (kind == Kind.ENERGY_WITHIN ? !(slack >= 0 && slack <= 10) : slack != 0) {
            throw new IllegalArgumentException("Invalid objective slack: " + slack
                    + " (energy-within takes a slowdown in [0%, 1000%])");
        }
    }

    /** Parses {@code time}, {@code energy} or {@code energy-within:5%} (also {@code energy-within:0.05}). */
    public static Objective parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("time")) {
            return TIME;
        }
        if (t.equals("energy")) {
            return ENERGY;
        }
        if (t.startsWith("energy-within:")) {
            String v = t.substring("energy-within:".length());
            try {
                double slack = v.endsWith("%") ? Double.parseDouble(v.substring(0, v.length() - 1)) / 100
                        : Double.parseDouble(v);
                return new Objective(Kind.ENERGY_WITHIN, slack);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid objective: " + s + " (energy-within takes a percentage,"
                        + " e.g. energy-within:5%)");
            }
        }
        throw new IllegalArgumentException("Unknown objective: " + s + " (expected time, energy or energy-within:P%)");
    }

    /** Whether this objective needs predicted energies. */
    public boolean needsEnergy() {
        return kind != Kind.TIME;
    }

    /**
     * The index of the chosen prediction. {@code time} is {@link Choice}'s rule; the energy rules
     * choose among predictions that fit, by least {@code energyJ} (ties to the faster), and where
     * none fits fall back to {@link Choice}'s answer (the leanest strategy, with how far over).
     *
     * @param energyJ predicted energy per step of each prediction (finite where the rule needs it)
     */
    public int choose(List<Prediction> ps, double[] energyJ, double tieTolerance) {
        Choice.Decision d = Choice.decide(ps, tieTolerance);
        if (kind == Kind.TIME || !d.fits()) {
            return d.chosen();
        }
        double fastest = Double.POSITIVE_INFINITY;
        for (Prediction p : ps) {
            if (p.fits()) {
                fastest = Math.min(fastest, p.stepTimeMs());
            }
        }
        double bound = kind == Kind.ENERGY_WITHIN ? fastest * (1 + slack) : Double.POSITIVE_INFINITY;
        int best = -1;
        for (int i = 0; i < ps.size(); i++) {
            Prediction p = ps.get(i);
            if (!p.fits() || p.stepTimeMs() > bound) {
                continue;
            }
            if (!Double.isFinite(energyJ[i])) {
                throw new IllegalArgumentException("Objective " + this + " needs predicted energies: the model has none"
                        + " for " + p.strategy() + " (retrain on a dataset with energy_j)");
            }
            if (best < 0 || energyJ[i] < energyJ[best]
                    || energyJ[i] == energyJ[best] && p.stepTimeMs() < ps.get(best).stepTimeMs()) {
                best = i;
            }
        }
        return best;
    }

    /** {@code time}, {@code energy} or {@code energy-within:5%}. */
    @Override
    public String toString() {
        return switch (kind) {
            case TIME -> "time";
            case ENERGY -> "energy";
            case ENERGY_WITHIN -> "energy-within:" + new java.math.BigDecimal(Double.toString(slack * 100))
                    .stripTrailingZeros().toPlainString() + "%";
        };
    }
}
