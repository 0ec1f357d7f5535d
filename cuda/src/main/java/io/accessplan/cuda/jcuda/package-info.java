/**
 * The real device layer: CUDA's driver API and cuBLAS through JCuda. Every context, module,
 * stream, event and buffer is an {@code AutoCloseable} wrapper; every call's result goes
 * through {@link io.accessplan.cuda.jcuda.Check}.
 */
package io.accessplan.cuda.jcuda;
