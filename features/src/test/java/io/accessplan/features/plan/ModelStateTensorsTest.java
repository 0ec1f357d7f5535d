package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Fixtures;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The schedule names its model-state tensors, and their sizes are the model state's. */
class ModelStateTensorsTest {

    private final Workload w = Fixtures.workload(Fixtures.gpt2Small(), 512, 4, Precision.BF16, AttentionKind.FUSED);

    @Test
    void everyStrategyHasItsWeightsGradientsAndOptimizerStateWhereTheStrategyPutsThem() {
        ModelState state = ModelState.of(w);
        for (Strategy s : Strategy.candidates(w)) {
            Schedule sc = Planner.schedule(w, s);
            Tensor weights = sc.tensors().get(sc.weights());
            Tensor grads = sc.tensors().get(sc.gradients());
            Tensor opt = sc.tensors().get(sc.optimizerState());
            assertEquals("weights", weights.name(), s.toString());
            assertEquals(state.weightBytes(), weights.bytes());
            assertEquals("gradients", grads.name());
            assertEquals(state.gradientBytes(), grads.bytes());
            assertEquals("optimizer_state", opt.name());
            assertEquals(s.optimizerOffload() ? Location.HOST : Location.DEVICE, opt.location());
            assertEquals(s.optimizerOffload() ? state.optimizerHostBytes() : state.optimizerDeviceBytes(), opt.bytes());
            if (s.optimizerOffload()) {
                assertEquals("host_gradients", sc.tensors().get(sc.hostGradients()).name());
            } else {
                assertEquals(-1, sc.hostGradients());
            }
        }
    }

    @Test
    void theModelStateIsSixteenBytesAParameterWithMixedPrecisionAdam() {
        ModelState s = ModelState.of(w);
        assertEquals(2 * s.parameters(), s.weightBytes());
        assertEquals(12 * s.parameters(), s.optimizerDeviceBytes());
        assertEquals(12 * s.parameters(), s.optimizerHostBytes());   // fp32 master + two moments
        assertEquals(12.0 * s.parameters(), s.updateFlops());
        assertEquals(0, s.optimizerOnDevice(true));
        assertEquals(0, s.optimizerOnHost(false));
    }
}
