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
 * <p>Under {@link io.accessplan.features.MixedPrecision#AUTOCAST} the weights and gradients are
 * fp32 and the optimizer keeps only its moments: 4 + 4 + 8 bytes per parameter with Adam, the same
 * 16 as the master layout, plus the 16-bit weight copies the planner allocates per weight GEMM while
 * a micro-batch holds them (not part of this state: they are tensors of the schedule).
 *
 * <p>What one on-device update moves: it reads the gradients and the optimizer state and writes
 * the state and the working weights; in fp32 and under autocast the weights are the fp32 copy the
 * update also reads (autocast; fp32 keeps the reading it always had, without the weights). fp16
 * adds dynamic loss scaling: under autocast {@code GradScaler.unscale_} reads and writes the fp32
 * gradients once more (its fused inf/NaN check and unscale, {@code _amp_foreach_non_finite_check_and_unscale_});
 * with master weights the overflow check reads the 16-bit gradients once and the unscale is folded
 * into the update (DeepSpeed's and Megatron's fp16 optimizers).
 *
 * @param parameters           model parameters
 * @param weightBytes          working weights on the device
 * @param gradientBytes        weight gradients on the device
 * @param optimizerDeviceBytes the optimizer state when it stays on the device
 * @param optimizerHostBytes   the optimizer state when it is offloaded to the host
 * @param updateFlops          FLOPs of one optimizer update (Adam 12, SGD with momentum 4 per parameter)
 * @param autocast             whether the weights are fp32 with 16-bit copies cast per op
 * @param lossScaleBytes       device bytes the loss-scale check and unscale move per step (fp16 only)
 */
public record ModelState(long parameters, long weightBytes, long gradientBytes, long optimizerDeviceBytes,
                         long optimizerHostBytes, double updateFlops, boolean autocast, long lossScaleBytes) {

    /** The model state of a workload. */
    public static ModelState of(Workload w) {
        long params = w.parameters();
        Precision prec = w.training().precision();
        boolean autocast = w.training().autocast();
        int moments = w.training().optimizer().moments();
        long weights = params * (autocast ? 4 : prec.bytes());
        boolean master = prec.mixed() && !autocast;
        long lossScale = prec != Precision.FP16 ? 0 : autocast ? 8 * params : 2 * params;
        return new ModelState(params, weights, weights, params * 4L * (moments + (master ? 1 : 0)),
                params * 4L * (moments + 1), params * (w.training().optimizer() == OptimizerKind.ADAM ? 12.0 : 4.0),
                autocast, lossScale);
    }

    /** The optimizer state on the device: all of it, or none when offloaded. */
    public long optimizerOnDevice(boolean offload) {
        return offload ? 0 : optimizerDeviceBytes;
    }

    /** The optimizer state on the host: none, or all of it when offloaded. */
    public long optimizerOnHost(boolean offload) {
        return offload ? optimizerHostBytes : 0;
    }

    /** Bytes the on-device update reads: gradients, state, the fp32 weights under autocast, and the loss-scale pass. */
    public long optimizerReadBytes() {
        return gradientBytes + optimizerDeviceBytes + (autocast ? weightBytes + lossScaleBytes / 2 : lossScaleBytes);
    }

    /** Bytes the on-device update writes: state, weights, and under autocast the unscaled gradients. */
    public long optimizerWriteBytes() {
        return optimizerDeviceBytes + weightBytes + (autocast ? lossScaleBytes / 2 : 0);
    }
}
