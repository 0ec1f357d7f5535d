package io.accessplan.datasets;

import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The column list is usable where Parquet and Hadoop are not on the class path (the GPU kit's
 * lean classpath writes its row log by it): loaded by a class loader that sees only the features
 * and datasets classes, it gives the same columns.
 */
class SchemaWithoutParquetTest {

    @Test
    void theColumnListLoadsAndAnswersWithNoParquetClassInSight() throws Exception {
        URL datasets = DatasetSchema.class.getProtectionDomain().getCodeSource().getLocation();
        URL features = Workload.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader lean = new URLClassLoader(new URL[]{datasets, features}, ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> lean.loadClass("org.apache.parquet.schema.MessageType"));
            Class<?> schema = Class.forName(DatasetSchema.class.getName(), true, lean);
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) schema.getMethod("names").invoke(null);
            assertEquals(DatasetSchema.names(), names);
        }
    }
}
