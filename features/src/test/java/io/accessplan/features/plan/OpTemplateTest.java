package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kernel says which section operation and which pass it is, and its name says the same. */
class OpTemplateTest {

    @Test
    void everyKernelCarriesItsTemplateAndPassAndEveryTemplateIsUsed() {
        Set<OpTemplate> seen = EnumSet.noneOf(OpTemplate.class);
        DeviceCatalog cat = DeviceCatalog.builtin();
        for (Family f : Family.values()) {
            for (int i = 0; i < 2 * AttentionKind.values().length; i++) {
                AttentionKind a = AttentionKind.values()[i / 2];
                io.accessplan.features.MixedPrecision mp = io.accessplan.features.MixedPrecision.values()[i % 2];
                Workload w = new Workload(ModelSpec.of(f, 2, 256, 4, null, null, null),
                        new TrainingConfig(128, 4, Precision.BF16, OptimizerKind.ADAM, a, mp), cat.get("h100-sxm-80gb"));
                for (Strategy s : Strategy.candidates(w)) {
                    for (Op op : Planner.schedule(w, s).ops()) {
                        boolean sectionKernel = op.stream() == StreamKind.COMPUTE && !op.kind().isMemoryEvent()
                                && op.kind() != OpKind.OPTIMIZER;
                        if (!sectionKernel) {
                            assertNull(op.template(), op.name());
                            assertNull(op.pass(), op.name());
                            continue;
                        }
                        seen.add(op.template());
                        assertTrue(op.name().endsWith("." + op.template().id() + op.pass().suffix()), op.name());
                        assertEquals(op.phase() == Phase.BACKWARD, op.pass() != OpPass.FORWARD, op.name());
                        if (op.pass() == OpPass.WGRAD || op.pass() == OpPass.DGRAD || op.pass() == OpPass.DGRAD2) {
                            assertEquals(OpKind.GEMM, op.kind(), op.name());
                        }
                    }
                }
            }
        }
        assertEquals(EnumSet.allOf(OpTemplate.class), seen);
    }
}
