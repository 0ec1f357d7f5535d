package io.accessplan.cuda.exec;

import io.accessplan.cuda.Workloads;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parameter layout fits the planner's parameter count and leaves out only biases and position embeddings. */
class ParameterMapTest {

    @Test
    void layoutFitsAndOnlyBiasesAndPositionsAreLeftOut() {
        List<Workload> ws = List.of(
                Workloads.of(ModelSpec.of(Family.GPT, 12, 768, 12, null, null, 50257), 1024, 8, Precision.FP16,
                        OptimizerKind.ADAM, AttentionKind.NAIVE),
                Workloads.of(ModelSpec.of(Family.LLAMA, 32, 4096, 32, 8, 11008, 32000), 4096, 1, Precision.BF16,
                        OptimizerKind.ADAM, AttentionKind.FUSED),
                Workloads.tinyBert(), Workloads.tinyMlp());
        for (Workload w : ws) {
            var schedule = Planner.schedule(w, Strategy.parse("keep"));
            ModelDims d = ModelDims.of(schedule);
            ParameterMap p = new ParameterMap(schedule);
            long h = d.hidden();
            long f = d.ffn();
            long left = d.parameters() - p.used();
            long expected = switch (d.family()) {
                case GPT -> d.layers() * (3 * h + h + f + h) + (long) d.seq() * h;      // biases, positions
                // BERT: biases, positions, the embedding LayerNorm and the pooler (2h + 2h + h^2 + h)
                case BERT -> d.layers() * (3 * h + h + f + h) + Math.max(512, d.seq()) * h + 4 * h + h * h + h;
                case LLAMA -> 0;
                case MLP -> d.layers() * h;
            };
            assertEquals(expected, left, w.model().family() + ": elements the kernels leave out");
            assertTrue(p.used() <= d.parameters());
        }
    }
}
