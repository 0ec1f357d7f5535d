package io.accessplan.model.train;

import org.tribuo.Trainer;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;
import org.tribuo.transform.TransformTrainer;
import org.tribuo.transform.TransformationMap;
import org.tribuo.transform.transformations.MeanStdDevTransformation;

import java.util.List;
import java.util.Map;

/**
 * The settings of a linear model fitted by stochastic gradient descent with AdaGrad (Duchi et al.
 * 2011; Tribuo's {@code LinearSGDTrainer}), squared loss, on standardised features.
 *
 * @param epochs       passes over the data, 1 to {@value #MAX_EPOCHS}
 * @param learningRate AdaGrad's initial rate, in (0, 1]
 */
public record SgdOptions(int epochs, double learningRate) implements TrainerOptions {
    /** Most passes over the data. */
    public static final int MAX_EPOCHS = 10_000;

    /** The defaults: 20 epochs at rate 0.1. */
    public static final SgdOptions DEFAULTS = new SgdOptions(20, 0.1);

    /** Validates every field. */
    public SgdOptions {
        Bounds.check("number of epochs", epochs, 1, MAX_EPOCHS);
        Bounds.positive("learning rate", learningRate, 1);
    }

    /** Reads recorded settings; a setting the file lacks takes its default. */
    static SgdOptions recorded(RecordedSettings r) {
        return new SgdOptions(r.integer("epochs", DEFAULTS.epochs), r.number("learning_rate", DEFAULTS.learningRate));
    }

    @Override
    public TrainerKind kind() {
        return TrainerKind.SGD;
    }

    @Override
    public Trainer<Regressor> tribuo(long seed, boolean withinWorkload) {
        // linear SGD needs standardised features: Tribuo's TransformTrainer fits the
        // standardisation on the training data and carries it inside the model
        return new TransformTrainer<>(new LinearSGDTrainer(new SquaredLoss(), new AdaGrad(learningRate, 0.1), epochs, seed),
                new TransformationMap(List.of(new MeanStdDevTransformation())), true);
    }

    @Override
    public void describe(Map<String, Object> m) {
        m.put("epochs", epochs);
        m.put("learning_rate", learningRate);
    }
}
