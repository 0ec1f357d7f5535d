package io.accessplan.cuda.device;

/**
 * Sets a device range to zero ({@code cuMemsetD8Async}).
 *
 * @param target the range
 */
public record ZeroFill(DevicePtr target) implements DeviceCall {
}
