package io.accessplan.cuda.device;

/** One unit of device work an operation of a schedule turns into. */
public sealed interface DeviceCall permits KernelLaunch, Gemm, ZeroFill {
}
