package io.accessplan.cuda.exec;

import io.accessplan.features.plan.Schedule;
import io.accessplan.features.plan.WeightLayout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter matrix lives in the flat weights buffer (and, at the same offsets, in
 * the gradients buffer and the optimizer state): the planner's {@link WeightLayout}, the one
 * layout, as offsets. Biases and learned position embeddings are counted by the planner but not
 * used by the kernels: they stay in the buffer untouched (and are still updated by the
 * optimizer), so every byte the planner counts is allocated and moved.
 */
public final class ParameterMap {
    /**
     * A slice of the parameters.
     *
     * @param offset first element
     * @param count  elements
     */
    public record Slice(long offset, long count) {
    }

    private final Map<String, Slice> slices = new LinkedHashMap<>();
    private final List<Slice> gammas = new ArrayList<>();
    private long used;

    /** The layout of a schedule's model: the planner's {@link WeightLayout}, as slices of the buffer. */
    public ParameterMap(Schedule schedule) {
        long parameters = schedule.workload().parameters();
        for (WeightLayout.Weight w : WeightLayout.of(schedule.workload()).weights()) {
            Slice s = add(w.name(), w.elements());
            if (w.scale()) {
                gammas.add(s);
            }
        }
        if (used > parameters) {
            throw new IllegalStateException("parameter layout needs " + used + " elements, the model has " + parameters);
        }
    }

    private Slice add(String name, long count) {
        Slice s = new Slice(used, count);
        slices.put(name, s);
        used += count;
        return s;
    }

    /** The slice of a name, or throws naming it. */
    public Slice get(String name) {
        Slice s = slices.get(name);
        if (s == null) {
            throw new IllegalArgumentException("Unknown parameter: " + name);
        }
        return s;
    }

    /** Whether a slice of that name exists. */
    public boolean has(String name) {
        return slices.containsKey(name);
    }

    /** Every slice, in layout order. */
    public Map<String, Slice> slices() {
        return Collections.unmodifiableMap(slices);
    }

    /** The norm scales, initialised to one. */
    public List<Slice> gammas() {
        return Collections.unmodifiableList(gammas);
    }

    /** Elements the kernels use (at most the model's parameters). */
    public long used() {
        return used;
    }
}
