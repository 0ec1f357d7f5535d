/**
 * The collector: the {@link io.accessplan.collector.Backend} interface and its registry, presets
 * and sweeps that run schedules on a backend and append rows to the dataset.
 */
package io.accessplan.collector;
