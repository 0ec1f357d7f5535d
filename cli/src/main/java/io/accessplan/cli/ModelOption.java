package io.accessplan.cli;

import io.accessplan.predictor.AccessPlanner;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --model MODEL}: a model file, or the bundled default. */
final class ModelOption {
    @Option(names = "--model", description = "model file from 'accessplan train' (default: the bundled model)")
    Path model;

    /** The planner serving the chosen model. */
    AccessPlanner planner() {
        if (model == null) {
            return AccessPlanner.bundled();
        }
        if (!Files.isRegularFile(model)) {
            throw new BadInputException("No model file: " + model);
        }
        try {
            return AccessPlanner.load(model);
        } catch (IOException e) {
            throw new BadInputException("Unreadable model file: " + model + " (" + e.getMessage() + ")");
        }
    }
}
