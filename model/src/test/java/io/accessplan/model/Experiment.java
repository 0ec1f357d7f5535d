package io.accessplan.model;

import java.util.List;

/** Not a test: a manual run on SYNTHETIC data to see training time and accuracy (java -cp ... Experiment n trees). */
final class Experiment {
    private Experiment() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int trees = Integer.parseInt(args[1]);
        long t0 = System.nanoTime();
        List<Observation> rows = SyntheticRows.rows(SyntheticRows.workloads(n, 1));
        System.out.printf("rows %d generated in %.1f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
        TrainResult r = ModelTrainer.train(rows, TrainOptions.defaults().withTrees(trees, 6));
        System.out.printf("trained in %.1f s, margin %.4f, transforms %s%n", r.seconds(),
                r.model().safetyMargin(), r.transformMape());
        System.out.println(r.crossValidation().toTable());
        try {
            HtmlReport.write(java.nio.file.Path.of(args[2]), r.crossValidation(), "accessplan cross-validation (SYNTHETIC data)");
            r.model().save(java.nio.file.Path.of(args[2] + ".apmodel"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
