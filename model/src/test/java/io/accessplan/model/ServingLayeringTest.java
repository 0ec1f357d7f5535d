package io.accessplan.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The serving package references neither training, evaluation, the datasets module, Hadoop nor
 * Parquet. Checked on the compiled classes: every class a class file uses is named in its constant
 * pool as an internal name ({@code io/accessplan/model/train/...}), so a byte search of the class
 * files finds any reference the compiler kept, whatever the source looks like (JVMS 4.4.1).
 */
class ServingLayeringTest {

    private static final List<String> FORBIDDEN = List.of(
            "io/accessplan/model/train/", "io/accessplan/model/evaluate/", "io/accessplan/datasets/",
            "io/accessplan/cli/", "org/apache/hadoop/", "org/apache/parquet/",
            "org/tribuo/regression/rtree/", "org/tribuo/regression/sgd/");

    @Test
    void servingClassesReferenceNoTrainingEvaluationOrDatasetClass() throws IOException, URISyntaxException {
        Path dir = Path.of(StrategyModel.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/accessplan/model");
        List<Path> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertTrue(classes.size() >= 13, "the serving classes were found: " + classes.size());
        List<String> bad = new ArrayList<>();
        for (Path c : classes) {
            String bytes = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
            for (String f : FORBIDDEN) {
                if (bytes.contains(f)) {
                    bad.add(c.getFileName() + " -> " + f);
                }
            }
        }
        assertEquals(List.of(), bad);
    }

    @Test
    void theSearchFindsAReferenceWhereThereIsOne() throws IOException, URISyntaxException {
        // the same search over a training class must find its reference to the serving package
        Path c = Path.of(StrategyModel.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/accessplan/model/train/ModelTrainer.class");
        String bytes = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
        assertTrue(bytes.contains("io/accessplan/model/StrategyModel"));
        assertTrue(bytes.contains("io/accessplan/model/evaluate/"));
    }
}
