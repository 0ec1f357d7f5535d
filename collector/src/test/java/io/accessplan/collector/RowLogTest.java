package io.accessplan.collector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.accessplan.collector.sim.SimBackend;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.DatasetSchema;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.Family;
import io.accessplan.features.Precision;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The row log writes the dataset's columns and reads back every field, out of memory runs included. */
class RowLogTest {

    @Test
    void aLogRoundTripsEveryRowAndItsLinesAreTheDatasetsColumns(@TempDir Path tmp) throws Exception {
        DeviceProfile t4 = DeviceCatalog.builtin().get("t4-16gb");
        Workload w = new Workload(ModelSpec.of(Family.GPT, 24, 2048, 16, null, null, 50257),
                new TrainingConfig(1024, 8, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE), t4);
        List<DatasetRow> rows = new ArrayList<>();
        try (SimBackend sim = new SimBackend()) {
            for (Strategy s : Strategy.candidates(w)) {
                Measurement m = sim.measure(Planner.schedule(w, s), 3, 7);
                rows.add(new DatasetRow(w, s, m, Instant.parse("2026-12-01T09:00:00.123456Z")));
            }
        }
        long ooms = rows.stream().filter(r -> r.measurement().oom()).count();
        assertEquals(true, ooms > 0 && ooms < rows.size(), "some strategies fit a T4 and some do not: " + ooms);
        Path file = tmp.resolve("rows.jsonl");
        try (RowLog log = RowLog.create(file, Map.of("backend", "sim"), t4)) {
            rows.forEach(log::append);
        }
        RowLog.Contents back = RowLog.read(file);
        assertEquals(t4, back.device());
        assertEquals(0, back.tornLines());
        assertEquals(rows.size(), back.rows().size());
        for (int i = 0; i < rows.size(); i++) {
            // every field, as a dataset would give it back (the device's source is not stored)
            assertEquals(rows.get(i).asStored(), back.rows().get(i), rows.get(i).strategy().toString());
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        JsonNode first = new ObjectMapper().readTree(lines.get(1));
        List<String> fields = new ArrayList<>();
        for (Iterator<String> it = first.fieldNames(); it.hasNext(); ) {
            fields.add(it.next());
        }
        assertEquals(DatasetSchema.names(), fields);
    }
}
