/**
 * The dataset: its schema, declared once in {@link io.accessplan.datasets.DatasetSchema}; its
 * Parquet reader and writer over Hadoop's FileSystem ({@link io.accessplan.datasets.ParquetDataset},
 * parts committed atomically); and flat Parquet tables for the batch command's job files
 * ({@link io.accessplan.datasets.GenericTable}). The shipped data lives in {@code datasets/data/}.
 */
package io.accessplan.datasets;
