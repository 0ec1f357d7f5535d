/** The device's energy counter through NVML ({@code nvmlDeviceGetTotalEnergyConsumption}), bound with JNA. */
package io.accessplan.cuda.nvml;
