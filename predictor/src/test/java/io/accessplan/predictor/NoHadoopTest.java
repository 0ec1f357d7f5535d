package io.accessplan.predictor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API works with neither Hadoop nor Parquet on the class path (the model module does not depend on the datasets module). */
class NoHadoopTest {

    @Test
    void lookupsNeedNoHadoop() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.hadoop.conf.Configuration"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.parquet.hadoop.ParquetWriter"));
        Recommendation r = AccessPlanner.bundled().recommend(Workloads.random(1, 1).get(0));
        assertTrue(r.predictedStepTimeMs() > 0);
    }
}
