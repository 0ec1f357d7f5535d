/** accessplan benchmarks. */
package io.accessplan.benchmarks;
