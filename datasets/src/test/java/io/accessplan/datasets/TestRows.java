package io.accessplan.datasets;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.Measurement;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;

import java.time.Instant;
import java.util.List;

/** Dataset rows that cover every family, a GQA model, a device without TF32, an oom and a failed run. */
final class TestRows {
    private TestRows() {
    }

    static final Instant T0 = Instant.parse("2026-11-25T12:00:00.123456789Z");

    static Workload gpt2OnA100() {
        return new Workload(ModelSpec.of(Family.GPT, 12, 768, 12),
                new TrainingConfig(1024, 8, Precision.BF16, OptimizerKind.ADAM, AttentionKind.NAIVE),
                DeviceCatalog.builtin().get("a100-sxm-80gb"));
    }

    static Workload llamaGqaOnH100() {
        return new Workload(ModelSpec.of(Family.LLAMA, 4, 1024, 16, 4, null, null),
                new TrainingConfig(2048, 4, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED),
                DeviceCatalog.builtin().get("h100-sxm-80gb"));
    }

    static Workload bertOnV100() {
        return new Workload(ModelSpec.of(Family.BERT, 24, 1024, 16),
                new TrainingConfig(512, 32, Precision.FP32, OptimizerKind.SGD, AttentionKind.NAIVE),
                DeviceCatalog.builtin().get("v100-sxm-16gb"));
    }

    static Workload mlpOnT4() {
        return new Workload(ModelSpec.of(Family.MLP, 8, 4096, 1),
                new TrainingConfig(1, 256, Precision.FP16, OptimizerKind.SGD, AttentionKind.NAIVE),
                DeviceCatalog.builtin().get("t4-16gb"));
    }

    static Measurement ok(double ms, long peak) {
        return new Measurement("sim", 5, ms, ms * 0.01, peak, false, 1_234_567L, 9_876_543_210L, 3.5e12, 1.25e12, "",
                ms * 0.4321);
    }

    /** Ran out of memory: no step time and no spread, the attempted peak. */
    static Measurement oom(long attemptedPeak) {
        return new Measurement("sim", 0, Double.NaN, Double.NaN, attemptedPeak, true, 0L, 0L, 7.0e13, 0.0, "");
    }

    /** A failed run: no time, the error in the detail. */
    static Measurement failed() {
        return new Measurement("cuda", 0, Double.NaN, Double.NaN, 0L, false, 0L, 0L, 1.0e9, 0.0,
                "CUDA_ERROR_LAUNCH_FAILED in gemm – ü");
    }

    /** Eight rows, the second an oom and the last a failure. */
    static List<DatasetRow> rows() {
        return List.of(
                new DatasetRow(gpt2OnA100(), Strategy.parse("keep"), ok(123.456, 40_000_000_000L), T0),
                new DatasetRow(gpt2OnA100(), Strategy.parse("keep+mb2"), oom(90_000_000_000L), T0.plusSeconds(1)),
                new DatasetRow(gpt2OnA100(), Strategy.parse("full+mb4+opt_offload"), ok(201.5, 9_000_000_000L),
                        T0.plusSeconds(2)),
                new DatasetRow(llamaGqaOnH100(), Strategy.parse("selective+mb2"), ok(88.0, 30_000_000_000L),
                        T0.plusSeconds(3)),
                new DatasetRow(llamaGqaOnH100(), Strategy.parse("offload"), ok(150.25, 12_000_000_000L),
                        T0.plusSeconds(4)),
                new DatasetRow(bertOnV100(), Strategy.parse("sqrt+mb8"), ok(999.0, 15_000_000_000L), T0.plusSeconds(5)),
                new DatasetRow(mlpOnT4(), Strategy.parse("keep+opt_offload"), ok(12.0, 2_000_000_000L),
                        T0.plusSeconds(6)),
                new DatasetRow(mlpOnT4(), Strategy.parse("full"), failed(), T0.plusSeconds(7)));
    }

    /** The rows as a dataset gives them back. */
    static List<DatasetRow> stored(List<DatasetRow> rows) {
        return rows.stream().map(DatasetRow::asStored).toList();
    }

    /** Writes rows as one committed part. */
    static void writePart(ParquetDataset ds, String part, List<DatasetRow> rows) {
        try (ParquetDataset.PartWriter w = ds.newPart(part, java.util.Map.of("backend", "sim", "seed", "7"))) {
            rows.forEach(w::write);
            w.commit();
        }
    }
}
