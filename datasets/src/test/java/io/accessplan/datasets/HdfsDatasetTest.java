package io.accessplan.datasets;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The dataset on a real HDFS (a one-datanode MiniDFSCluster), through the same code as on local disk. */
class HdfsDatasetTest {

    @TempDir
    java.nio.file.Path base;

    @Test
    void datasetRoundTripsOnHdfsWithAtomicParts() throws Exception {
        Configuration conf = new Configuration();
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base.toFile()).numDataNodes(1).build();
        try {
            cluster.waitActive();
            String uri = cluster.getURI() + "/datasets/sim-test";
            ParquetDataset ds = ParquetDataset.open(uri, conf);
            List<DatasetRow> rows = TestRows.rows();
            TestRows.writePart(ds, "part-00001.parquet", rows.subList(3, 8));
            try (ParquetDataset.PartWriter aborted = ds.newPart("part-00002.parquet", Map.of())) {
                aborted.write(rows.get(0));
                TestRows.writePart(ds, "part-00000.parquet", rows.subList(0, 3));
                assertEquals(List.of("part-00000.parquet", "part-00001.parquet"), ds.parts());
            }

            assertEquals(TestRows.stored(rows), ds.readAll());
            assertEquals("sim", ds.footer("part-00000.parquet").get("backend"));
            FileSystem fs = cluster.getFileSystem();
            List<String> files = Arrays.stream(fs.listStatus(new Path("/datasets/sim-test")))
                    .map(FileStatus::getPath).map(Path::getName).sorted().toList();
            assertEquals(List.of("part-00000.parquet", "part-00001.parquet"), files, "the aborted part left nothing");

            ParquetDataset.PartWriter late = ds.newPart("part-00003.parquet", Map.of());
            TestRows.writePart(ds, "part-00003.parquet", rows.subList(0, 1));
            assertThrows(IllegalStateException.class, late::commit, "HDFS rename must not replace a part");
            assertEquals(TestRows.stored(rows.subList(0, 1)), ds.readPart("part-00003.parquet"));

            String table = cluster.getURI() + "/jobs/answers.parquet";
            GenericTable.write(table, List.of("strategy"), List.of(Map.of("strategy", "full+mb2")), conf);
            assertEquals(List.of(Map.of("strategy", "full+mb2")), GenericTable.read(table, conf));
        } finally {
            cluster.shutdown();
        }
    }
}
