package io.accessplan.features.plan;

/**
 * A block of memory of a schedule.
 *
 * @param id       index in the schedule's tensor table
 * @param name     readable name, e.g. {@code L3.fc1.out}
 * @param bytes    exact size in bytes
 * @param category what it holds
 * @param location device or pinned host
 * @param layer    layer index, or -1 outside the layer stack
 */
public record Tensor(int id, String name, long bytes, MemoryCategory category, Location location, int layer) {
}
