/**
 * The device layer: a small interface over what the executor asks of a GPU (allocate, copy,
 * launch, events), its value types, the allocator that tracks and caps device memory, and a
 * recording implementation that lets the executor be tested without a GPU.
 */
package io.accessplan.cuda.device;
