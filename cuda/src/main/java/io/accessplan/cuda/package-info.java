/**
 * The CUDA backend: {@link io.accessplan.cuda.CudaBackendProvider} (backend name {@code cuda}),
 * {@link io.accessplan.cuda.CudaBackend} which executes schedules on the local GPU and measures
 * them, {@link io.accessplan.cuda.CudaProbe} which says once whether a GPU is usable,
 * {@link io.accessplan.cuda.CardProfiler} which measures the card, and
 * {@link io.accessplan.cuda.CrossCheck} which compares the GPU with the simulator.
 */
package io.accessplan.cuda;
