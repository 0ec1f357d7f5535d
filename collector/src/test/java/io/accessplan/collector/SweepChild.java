package io.accessplan.collector;

import io.accessplan.datasets.ParquetDataset;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A sweep in its own JVM, so a test can kill it with SIGKILL: args are workloads-file out seed [resume]. */
public final class SweepChild {
    private SweepChild() {
    }

    /** Runs the sweep of a workloads file on the simulator. */
    public static void main(String[] args) throws Exception {
        List<Workload> ws = io.accessplan.datasets.WorkloadTable.read(args[0]).stream()
                .map(r -> WorkloadColumns.parse(r.values(), DeviceCatalog.builtin())).toList();
        Sweep sweep = new Sweep(ws, 2, Long.parseLong(args[2]), 2, 1, Map.of("accessplan.preset", "test"), null);
        try (Backend b = Backends.open("sim", BackendOptions.defaults())) {
            sweep.run(b, ParquetDataset.open(args[1]), args.length > 3, Progress.silent());
        }
    }
}
