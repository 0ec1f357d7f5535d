package io.accessplan.features.plan;

/**
 * One operation of a schedule, in program order.
 *
 * @param index        position in the schedule
 * @param kind         what it does
 * @param stream       where it runs
 * @param phase        part of the step
 * @param layer        layer index, or -1 outside the layer stack
 * @param name         readable name, e.g. {@code L3.fc1.dgrad}
 * @param flops        floating-point operations
 * @param bytesRead    bytes read (device memory for kernels, the source for copies)
 * @param bytesWritten bytes written
 * @param m            GEMM rows (0 unless {@link OpKind#GEMM})
 * @param n            GEMM columns
 * @param k            GEMM inner dimension
 * @param batchCount   GEMM batch count (1 for a plain GEMM)
 * @param tensor       the tensor allocated, freed or copied (-1 otherwise)
 * @param inputs       tensors read by a kernel
 * @param outputs      tensors written by a kernel
 * @param waitFor      indices of earlier operations on other streams that must finish first
 * @param template     the section operation a kernel computes; null for copies, memory events,
 *                     host work and the optimizer
 * @param pass         which pass of {@code template} it is; null where there is no template
 */
public record Op(int index, OpKind kind, StreamKind stream, Phase phase, int layer, String name,
                 double flops, long bytesRead, long bytesWritten, int m, int n, int k, int batchCount,
                 int tensor, int[] inputs, int[] outputs, int[] waitFor, OpTemplate template, OpPass pass) {
}
