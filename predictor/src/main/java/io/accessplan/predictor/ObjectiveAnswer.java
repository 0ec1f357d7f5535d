package io.accessplan.predictor;

import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.model.Objective;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;

import java.util.List;

/**
 * A lookup under an {@link Objective}: the strategy it picks, with its predicted step time and
 * energy, and what the other objective ({@code time} for an energy rule, least {@code energy} for
 * time) would have picked and what that costs in the other measure.
 *
 * @param objective   the objective asked for
 * @param chosen      the index of the pick in {@code predictions}
 * @param other       the objective compared against
 * @param otherChosen the index of the other objective's pick, or -1 where it needs energies the model lacks
 * @param predictions every candidate's prediction, in canonical order
 * @param energyJ     every candidate's predicted energy per step (NaN throughout without an energy regressor)
 * @param batch       samples per step (energy per sample = energy / batch)
 */
public record ObjectiveAnswer(Objective objective, int chosen, Objective other, int otherChosen,
                              List<Prediction> predictions, double[] energyJ, int batch) {

    /** Answers a workload under an objective with a model's predictions. */
    static ObjectiveAnswer of(StrategyModel model, Workload w, Objective o, double tieTolerance) {
        List<Analysis> as = Analysis.all(w, model.candidates(w));
        if (as.isEmpty()) {
            throw new IllegalArgumentException("No candidate strategy for workload " + w.canonical());
        }
        StrategyModel.WithEnergy pe = model.predictWithEnergy(as, w);   // the analyses encoded once for both
        List<Prediction> ps = pe.predictions();
        double[] e = pe.energyJ();
        if (o.needsEnergy() && !model.predictsEnergy()) {
            throw new IllegalArgumentException("Objective " + o + " needs a model that predicts energy: this one has"
                    + " no energy regressor (retrain on a dataset with energy_j)");
        }
        int pick = o.choose(ps, e, tieTolerance);
        Objective other = o.needsEnergy() ? Objective.TIME : Objective.ENERGY;
        int otherPick = other.needsEnergy() && !model.predictsEnergy() ? -1 : other.choose(ps, e, tieTolerance);
        return new ObjectiveAnswer(o, pick, other, otherPick, ps, e, w.training().batch());
    }

    /** The pick's prediction. */
    public Prediction prediction() {
        return predictions.get(chosen);
    }

    /** The pick's predicted energy per step, J (NaN without an energy regressor). */
    public double predictedEnergyJ() {
        return energyJ[chosen];
    }

    /** The pick's predicted energy per sample, J. */
    public double predictedEnergyPerSampleJ() {
        return energyJ[chosen] / batch;
    }

    /** The other objective's pick, or null where it cannot be made. */
    public Prediction otherPrediction() {
        return otherChosen < 0 ? null : predictions.get(otherChosen);
    }

    /** The other pick's predicted energy per step, J (NaN where there is none). */
    public double otherEnergyJ() {
        return otherChosen < 0 ? Double.NaN : energyJ[otherChosen];
    }

    /** One line: the pick and what the other objective would pick, at what cost. */
    public String summary() {
        Prediction p = prediction();
        StringBuilder sb = new StringBuilder(objective + ": " + p.strategy() + ", "
                + AccessPlanner.fixed(p.stepTimeMs(), 1) + " ms");
        if (Double.isFinite(predictedEnergyJ())) {
            sb.append(", ").append(AccessPlanner.fixed(predictedEnergyJ(), 2)).append(" J a step");
        }
        Prediction q = otherPrediction();
        if (q != null && Double.isFinite(otherEnergyJ()) && Double.isFinite(predictedEnergyJ())) {
            double dt = q.stepTimeMs() / p.stepTimeMs() - 1;
            double de = otherEnergyJ() / predictedEnergyJ() - 1;
            sb.append("; ").append(other).append(" would pick ").append(q.strategy()).append(" (")
                    .append(signed(100 * dt)).append("% time, ").append(signed(100 * de)).append("% energy)");
        }
        return sb.toString();
    }

    private static String signed(double v) {
        return (v >= 0 ? "+" : "-") + AccessPlanner.fixed(Math.abs(v), 1);
    }
}
