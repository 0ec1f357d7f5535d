package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.evaluate.EvaluationReport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossValidationTest {

    @Test
    void groupedFoldsNeverSplitAnArchitectureAndCoverEveryRowOnce() {
        List<Observation> rows = TestModels.rows();
        List<CrossValidation.Fold> folds = CrossValidation.grouped(rows, 5, 1);
        assertEquals(5, folds.size());
        int[] seen = new int[rows.size()];
        Set<String> archSeen = new HashSet<>();
        for (CrossValidation.Fold f : folds) {
            assertEquals(rows.size(), f.train().length + f.test().length);
            Set<String> testArchs = Arrays.stream(f.test()).mapToObj(i -> rows.get(i).workload().architectureId())
                    .collect(Collectors.toSet());
            Set<String> trainArchs = Arrays.stream(f.train()).mapToObj(i -> rows.get(i).workload().architectureId())
                    .collect(Collectors.toSet());
            testArchs.forEach(a -> assertTrue(!trainArchs.contains(a), "architecture " + a + " on both sides"));
            testArchs.forEach(a -> assertTrue(archSeen.add(a), "architecture " + a + " held out twice"));
            for (int i : f.test()) {
                seen[i]++;
            }
        }
        assertTrue(Arrays.stream(seen).allMatch(c -> c == 1));
    }

    @Test
    void groupedFoldsAreDeterministicForASeed() {
        List<Observation> rows = TestModels.rows();
        List<CrossValidation.Fold> a = CrossValidation.grouped(rows, 3, 7);
        List<CrossValidation.Fold> b = CrossValidation.grouped(rows, 3, 7);
        for (int k = 0; k < 3; k++) {
            assertTrue(Arrays.equals(a.get(k).test(), b.get(k).test()));
        }
    }

    @Test
    void moreFoldsThanArchitecturesIsRefused() {
        List<Observation> rows = TestModels.rows().subList(0, 3);
        assertThrows(IllegalArgumentException.class, () -> CrossValidation.grouped(rows, 50, 1));
    }

    @Test
    void leaveOneDeviceOutHoldsOutEachDeviceWhole() {
        List<Observation> rows = TestModels.rows();
        for (CrossValidation.Fold f : CrossValidation.byDevice(rows)) {
            for (int i : f.test()) {
                assertEquals(f.name(), rows.get(i).workload().device().name());
            }
            for (int i : f.train()) {
                assertTrue(!f.name().equals(rows.get(i).workload().device().name()));
            }
        }
    }

    @Test
    void leaveOneDeviceOutReportsEveryDevice() {
        List<Observation> rows = TestModels.rows();
        Map<String, EvaluationReport> r = CrossValidation.leaveOneDeviceOut(rows,
                TestModels.options().withTrees(20, 4));
        Set<String> devices = rows.stream().map(o -> o.workload().device().name()).collect(Collectors.toSet());
        assertEquals(devices, r.keySet());
        r.values().forEach(e -> assertTrue(e.model().workloads() > 0));
    }
}
