/**
 * JMH benchmarks of accessplan's hot paths, in their own module so that no test times anything.
 * Build the runnable jar with {@code mvn -pl benchmarks -am package} and run, for example,
 * {@code java -jar benchmarks/target/benchmarks.jar SimulatorBenchmark}.
 */
package io.accessplan.benchmarks;
