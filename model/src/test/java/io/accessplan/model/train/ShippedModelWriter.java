package io.accessplan.model.train;

import io.accessplan.model.CompiledEnsemble;
import io.accessplan.model.Observation;
import io.accessplan.model.SyntheticRows;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.FeatureEncoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: writes the checked-in model file of this version and its expected outputs
 * ({@code src/test/resources/io/accessplan/model/<name>.apmodel} and {@code .expected}, name
 * {@code shipped-v5} by default: feature schema 5, with the within-workload step-time regressor
 * and margins by correction size; {@code shipped-v4r} and {@code shipped-v4} were written with
 * schema 4, with and without them), trained on
 * SYNTHETIC rows. Run once per model file format, schema version or model content, from
 * {@code model/}: {@code java -cp target/classes:target/test-classes:<deps> io.accessplan.model.train.ShippedModelWriter [dir [name]]}.
 */
final class ShippedModelWriter {
    private ShippedModelWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/io/accessplan/model");
        String name = args.length > 1 ? args[1] : "shipped-v5";
        List<Observation> rows = SyntheticRows.rows(SyntheticRows.workloads(60, 2024));
        TrainResult r = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(30, 5).withFolds(3));
        r.model().save(dir.resolve(name + ".apmodel"));
        FeatureEncoder enc = new FeatureEncoder();
        List<String> lines = new ArrayList<>();
        lines.add("# features (encoder order) ; step_time learned value ; peak_memory learned value"
                + " ; step_time_within_workload learned value");
        for (Workload w : SyntheticRows.workloads(5, 77)) {
            Strategy s = Strategy.candidates(w).get(0);
            double[] x = enc.encode(w, s);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < x.length; i++) {
                b.append(i > 0 ? "," : "").append(Double.toString(x[i]));
            }
            b.append(';').append(String.format(Locale.ROOT, "%s;%s", Double.toString(r.model().ensemble().time().predict(x)),
                    Double.toString(r.model().ensemble().peak().predict(x))));
            b.append(';').append(Double.toString(CompiledEnsemble.compile(r.model().rankModel(), enc.names()).predict(x)));
            lines.add(b.toString());
        }
        Files.write(dir.resolve(name + ".expected"), lines);
    }
}
