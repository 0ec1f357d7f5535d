/**
 * The vocabulary of accessplan: what a workload is ({@link io.accessplan.features.ModelSpec},
 * {@link io.accessplan.features.TrainingConfig}, {@link io.accessplan.features.DeviceProfile}),
 * what a memory scheduling {@link io.accessplan.features.Strategy} is, and the device catalog.
 * Every value is a record validated when built; a bad value is rejected with a message that
 * names the field and the value.
 */
package io.accessplan.features;
