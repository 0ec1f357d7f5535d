package io.accessplan.collector;

import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.features.Measurement;
import io.accessplan.features.Strategy;
import io.accessplan.features.plan.Plan;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the shipped measurements of a real GPU ({@code datasets/data/cuda-h200}, an NVIDIA H200
 * through the cuda backend) against the row logs they were imported from and against the planner.
 * No GPU needed: it reads what the GPU wrote.
 */
class MeasuredH200Test {
    private static final Path DIR = Path.of("..", "datasets", "data", "cuda-h200");
    private static final Pattern DRIVER_PEAK = Pattern.compile("driver_peak_bytes=(\\d+)");
    private static final Pattern CONTEXT = Pattern.compile("context_bytes=(\\d+)");
    private static List<DatasetRow> dataset;
    private static List<DatasetRow> logged;
    /** The context bytes each run measured when it opened the device (from the log's header). */
    private static Map<DatasetRow, Long> contextOf;

    @BeforeAll
    static void read() {
        Assumptions.assumeTrue(Files.isDirectory(DIR), "no measured dataset at " + DIR.toAbsolutePath());
        dataset = ParquetDataset.open(DIR.toString()).readAll();
        logged = new ArrayList<>();
        contextOf = new java.util.IdentityHashMap<>();
        for (String run : List.of("run1", "run2")) {
            RowLog.Contents log = RowLog.read(DIR.resolve("provenance").resolve(run).resolve("rows.jsonl"));
            logged.addAll(log.rows());
            log.rows().forEach(r -> contextOf.put(r, Long.parseLong(log.provenance().get("context_bytes"))));
        }
    }

    @Test
    void everyRowIsAMeasurementOfTheH200AndEveryWorkloadIsWhole() {
        assertEquals(620, dataset.size());
        Map<String, Set<Strategy>> byWorkload = new HashMap<>();
        for (DatasetRow r : dataset) {
            assertEquals("cuda", r.measurement().backend());
            assertTrue(r.workload().device().name().startsWith("nvidia-h200-cap"), r.workload().device().name());
            assertTrue(byWorkload.computeIfAbsent(r.workload().id(), k -> new HashSet<>()).add(r.strategy()),
                    "measured twice: " + r.workload().id() + " " + r.strategy());
        }
        for (DatasetRow r : dataset) {
            assertEquals(new HashSet<>(Strategy.candidates(r.workload())), byWorkload.get(r.workload().id()));
        }
    }

    /** The import kept every field of every whole workload of the logs (round trip log -> Parquet). */
    @Test
    void theDatasetHoldsExactlyTheLoggedMeasurementsOfWholeWorkloads() {
        Map<String, DatasetRow> stored = new HashMap<>();
        for (DatasetRow r : dataset) {
            stored.put(r.workload().id() + "|" + r.strategy(), r);
        }
        int matched = 0;
        for (DatasetRow l : logged) {
            DatasetRow d = stored.get(l.workload().id() + "|" + l.strategy());
            if (d == null) {
                continue;   // the partial workload the budget cut
            }
            matched++;
            Measurement a = l.measurement();
            Measurement b = d.measurement();
            assertEquals(a.stepTimeMs(), b.stepTimeMs(), 0.0);
            assertEquals(a.stepTimeMsStdev(), b.stepTimeMsStdev(), 0.0);
            assertEquals(a.peakMemoryBytes(), b.peakMemoryBytes());
            assertEquals(a.oom(), b.oom());
            assertEquals(a.repeats(), b.repeats());
            assertEquals(l.workload().model(), d.workload().model());
            assertEquals(l.workload().training(), d.workload().training());
            assertEquals(l.workload().device().memoryBytes(), d.workload().device().memoryBytes());
        }
        assertEquals(dataset.size(), matched);
        assertEquals(636, logged.size());
    }

    /**
     * Peaks follow the planner: the allocator's peak is the planned peak with the measured
     * context in place of the planner's assumed one, and the driver's own reading of used memory
     * never exceeds the plan by more than 10% plus 1 GiB (context, modules, library handles): no
     * allocation the plan does not know of. A run ran out of memory exactly where the plan
     * (with the measured context) exceeds the capped capacity.
     */
    @Test
    void measuredPeaksFollowThePlannerAndOutOfMemoryIsWhereThePlanExceedsTheCap() {
        int checked = 0;
        int oom = 0;
        for (DatasetRow r : logged) {
            Measurement m = r.measurement();
            Plan plan = Planner.schedule(r.workload(), r.strategy()).plan();
            long context = contextOf.get(r);
            long planned = plan.peakMemoryBytes() - Planner.CUDA_CONTEXT_BYTES;
            long capacity = r.workload().device().memoryBytes();
            if (m.oom()) {
                oom++;
                assertTrue(planned + context > capacity, r.strategy() + " ran out although planned " + planned);
                continue;
            }
            assertTrue(planned + context <= capacity, r.strategy() + " fit although planned " + planned);
            assertEquals(context, value(CONTEXT, m.detail()));
            assertEquals(planned + context, m.peakMemoryBytes(), r.workload().id() + " " + r.strategy());
            long driver = value(DRIVER_PEAK, m.detail());
            assertTrue(driver <= 1.1 * (planned + context) + (1L << 30), "driver " + driver + " vs planned " + planned);
            checked++;
        }
        assertTrue(checked > 550 && oom > 0, checked + " fitting runs, " + oom + " out of memory");
    }

    private static long value(Pattern p, String detail) {
        Matcher m = p.matcher(detail);
        assertTrue(m.find(), "no " + p + " in " + detail);
        return Long.parseLong(m.group(1));
    }
}
