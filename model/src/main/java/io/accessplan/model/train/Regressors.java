package io.accessplan.model.train;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Tribuo side of training: the trainer a {@link TrainOptions} names, the Tribuo dataset of an
 * encoded feature matrix, fitting with provenance, batch prediction. The flow is Tribuo's own:
 * examples, then a {@link MutableDataset}, then a {@link Trainer}, then a {@link Model} whose
 * provenance records the data source, the trainer and its settings, and the run's extras.
 */
final class Regressors {
    private static final RegressionFactory FACTORY = new RegressionFactory();

    private Regressors() {
    }

    /** The Tribuo trainer of the options. */
    static Trainer<Regressor> trainer(TrainOptions o) {
        return o.trainerOptions().tribuo(o.seed(), false);
    }

    /** The trainer of the within-workload step-time regressor ({@link XGBoostOptions#effectiveRankTrees()}). */
    static Trainer<Regressor> rankTrainer(TrainOptions o) {
        return o.trainerOptions().tribuo(o.seed(), true);
    }

    /** Fits a one-dimensional regressor of {@code y} on the rows {@code x}. */
    static Model<Regressor> fit(Trainer<Regressor> trainer, String target, List<String> names, List<double[]> x,
                                double[] y, Map<String, String> runInfo) {
        SimpleDataSourceProvenance source = new SimpleDataSourceProvenance("accessplan encoded rows, target "
                + target, FACTORY);
        MutableDataset<Regressor> data = new MutableDataset<>(source, FACTORY);
        String[] n = names.toArray(new String[0]);
        for (int i = 0; i < x.size(); i++) {
            data.add(new ArrayExample<>(new Regressor(target, y[i]), n, x.get(i)));
        }
        Map<String, Provenance> run = new HashMap<>();
        for (Map.Entry<String, String> e : runInfo.entrySet()) {
            run.put(e.getKey(), new StringProvenance(e.getKey(), e.getValue()));
        }
        return trainer.train(data, run);
    }

    /** Predicts every row through Tribuo in one batch. */
    static double[] predict(Model<Regressor> model, List<String> names, List<double[]> x) {
        String[] n = names.toArray(new String[0]);
        List<Example<Regressor>> ex = new ArrayList<>(x.size());
        for (double[] r : x) {
            ex.add(new ArrayExample<>(RegressionFactory.UNKNOWN_REGRESSOR, n, r));
        }
        List<Prediction<Regressor>> p = model.predict(ex);
        double[] out = new double[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).getOutput().getValues()[0];
        }
        return out;
    }
}
