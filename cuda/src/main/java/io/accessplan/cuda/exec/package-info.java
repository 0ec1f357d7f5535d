/**
 * Execution of a planner's schedule on a device layer: the operand mapping from operations to
 * kernels on real tensors ({@link io.accessplan.cuda.exec.OpBinder}), the parameter layout, the
 * host-side optimizer, and the executor that walks the schedule on two streams.
 */
package io.accessplan.cuda.exec;
