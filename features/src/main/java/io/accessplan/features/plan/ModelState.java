package io.accessplan.features.plan;

import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Workload;

/**
 * The model state of a training step, counted once for the planner, the estimator and its
 * timings: weights and gradients at the training precision; the optimizer's fp32 state, the
 * moments plus, in mixed precision, the master copy of the weights (ZeRO, Rajbhandari et al.
 * 2020, section 3.1: 16 bytes per parameter with mixed-precision Adam); with the optimizer
 * offloaded, the host keeps the fp32 weights (master, or the only copy in fp32 training) and the
 * moments (ZeRO-Offload, Ren et al. 2021); and the FLOPs of one update.
 *
 * @param parameters           model parameters
 * @param weightBytes          working weights on the device
 * @param gradientBytes        weight gradients on the device
 * @param optimizerDeviceBytes the optimizer state when it stays on the device
 * @param optimizerHostBytes   the optimizer state when it is offloaded to the host
 * @param updateFlops          FLOPs of one optimizer update (Adam 12, SGD with momentum 4 per parameter)
 */
public record ModelState(long parameters, long weightBytes, long gradientBytes, long optimizerDeviceBytes,
                         long optimizerHostBytes, double updateFlops) {

    /** The model state of a workload. */
    public static ModelState of(Workload w) {
        long params = w.parameters();
        Precision prec = w.training().precision();
        int moments = w.training().optimizer().moments();
        long weights = params * prec.bytes();
        return new ModelState(params, weights, weights, params * 4L * (moments + (prec.mixed() ? 1 : 0)),
                params * 4L * (moments + 1), params * (w.training().optimizer() == OptimizerKind.ADAM ? 12.0 : 4.0));
    }

    /** The optimizer state on the device: all of it, or none when offloaded. */
    public long optimizerOnDevice(boolean offload) {
        return offload ? 0 : optimizerDeviceBytes;
    }

    /** The optimizer state on the host: none, or all of it when offloaded. */
    public long optimizerOnHost(boolean offload) {
        return offload ? optimizerHostBytes : 0;
    }
}
