/**
 * The simulated GPU backend ({@code sim}): a discrete-event replay of a schedule on a device
 * model calibrated on measured GEMM and copy tables. {@link io.accessplan.collector.sim.SimBackend}
 * carries the essay on how it works and its references; {@code GemmModel} and {@code CopyModel}
 * hold the fitted curves.
 */
package io.accessplan.collector.sim;
