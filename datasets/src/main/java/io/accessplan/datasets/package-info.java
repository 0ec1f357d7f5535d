/**
 * The dataset: its schema, declared once in {@link io.accessplan.datasets.DatasetSchema}; its
 * Parquet reader and writer over Hadoop's FileSystem ({@link io.accessplan.datasets.ParquetDataset},
 * parts committed atomically, page checksums and values verified on reading); and the workload tables of
 * the sweep and batch commands, CSV, JSON Lines or Parquet ({@link io.accessplan.datasets.WorkloadTable},
 * its Parquet files through {@link io.accessplan.datasets.GenericTable}). The shipped data lives in
 * {@code datasets/data/}.
 */
package io.accessplan.datasets;
