/**
 * JMH benchmarks of accessplan's hot paths, in their own module so that no test times anything.
 * Build the runnable jar with {@code mvn -pl benchmarks -am package} and run, for example,
 * {@code java -jar benchmarks/target/benchmarks.jar SimulatorBenchmark}: {@code SimulatorBenchmark}
 * (the collector's inner loop), {@code PredictorBenchmark} (a lookup's latency, the batch call's
 * throughput), {@code ForestBenchmark} (nanoseconds per tree per row of the served traversal).
 * {@code LookupConsistency} is no benchmark: a main that checks 16 threads x 1M lookups against
 * the single-threaded answers.
 */
package io.accessplan.benchmarks;
