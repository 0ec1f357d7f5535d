package io.accessplan.cuda.device;

import java.util.List;

/**
 * A kernel launch: which PTX function, its grid, its block and its arguments.
 *
 * @param kernel name of the extern "C" function in the PTX
 * @param gridX  blocks along x
 * @param gridY  blocks along y
 * @param gridZ  blocks along z
 * @param block  threads per block (one-dimensional)
 * @param args   arguments in signature order
 */
public record KernelLaunch(String kernel, int gridX, int gridY, int gridZ, int block, List<KernelArg> args)
        implements DeviceCall {
    /** Validates the launch shape. */
    public KernelLaunch {
        if (kernel == null || kernel.isBlank()) {
            throw new IllegalArgumentException("Invalid kernel name: '" + kernel + "'");
        }
        if (gridX < 1 || gridY < 1 || gridY > 65535 || gridZ < 1 || gridZ > 65535 || block < 1 || block > 1024) {
            throw new IllegalArgumentException("Invalid launch shape of " + kernel + ": grid " + gridX + "x" + gridY
                    + "x" + gridZ + ", block " + block);
        }
        args = List.copyOf(args);
    }

    /** Device pointers among the arguments. */
    public List<DevicePtr> pointers() {
        return args.stream().filter(a -> a instanceof KernelArg.Ptr).map(a -> ((KernelArg.Ptr) a).ptr()).toList();
    }
}
