package io.accessplan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad sweep input: one line naming the value, exit code 2, nothing written. */
class SweepCommandTest {

    private static void refused(Cli.Run r, String message) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("accessplan: " + message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void unknownPresetDeviceAndBackend(@TempDir Path tmp) {
        refused(Cli.run("sweep", "--preset", "huge", "--out", tmp.resolve("a").toString()), "Unknown preset: huge");
        refused(Cli.run("sweep", "--devices", "tpu-v4", "--out", tmp.resolve("b").toString()), "Unknown device: tpu-v4");
        refused(Cli.run("sweep", "--backend", "tpu", "--out", tmp.resolve("c").toString()), "Unknown backend: tpu");
        refused(Cli.run("sweep", "--backend", "cuda", "--out", tmp.resolve("d").toString()), "no usable CUDA device");
        for (String d : new String[]{"a", "b", "c", "d"}) {
            assertFalse(Files.exists(tmp.resolve(d)), d);
        }
    }

    @Test
    void unreadableWorkloadsFileAndABadRow(@TempDir Path tmp) throws Exception {
        refused(Cli.run("sweep", "--workloads", tmp.resolve("none.csv").toString(), "--out", tmp.resolve("a").toString()),
                "Unreadable file: ");
        Path w = tmp.resolve("w.csv");
        Files.writeString(w, "family,layers,hidden,seq_len,batch,device\ngpt,2,256,128,2,t4-16gb\ngpt,0,256,128,2,t4-16gb\n");
        refused(Cli.run("sweep", "--workloads", w.toString(), "--out", tmp.resolve("b").toString()),
                "Bad row at line 3 of " + w + ": Invalid layers: 0 (must be > 0)");
        assertFalse(Files.exists(tmp.resolve("b")));
    }

    @Test
    void anAutocastRowIsRefusedBecauseDatasetRowsMeanMasterWeights(@TempDir Path tmp) throws Exception {
        Path w = tmp.resolve("w.csv");
        Files.writeString(w, "family,layers,hidden,seq_len,batch,precision,mixed_precision,device\n"
                + "gpt,2,256,128,2,fp16,master,t4-16gb\ngpt,2,256,128,2,fp16,autocast,t4-16gb\n");
        refused(Cli.run("sweep", "--workloads", w.toString(), "--out", tmp.resolve("b").toString()),
                "Bad row at line 3 of " + w + ": Invalid mixed_precision: autocast (a sweep writes dataset rows, which"
                        + " have no mixed_precision column and mean master)");
        assertFalse(Files.exists(tmp.resolve("b")));
    }

    @Test
    void anExistingOutputWithoutResumeAndAnUnreachableHadoopUri(@TempDir Path tmp) throws Exception {
        Path w = tmp.resolve("w.csv");
        Files.writeString(w, "family,layers,hidden,seq_len,batch,device\ngpt,2,256,128,2,t4-16gb\n");
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run("sweep", "--workloads", w.toString(), "--out", out.toString()).code());
        long parts;
        try (var s = Files.list(out)) {
            parts = s.count();
        }
        refused(Cli.run("sweep", "--workloads", w.toString(), "--out", out.toString()), "Output exists: " + out);
        try (var s = Files.list(out)) {
            assertEquals(parts, s.count(), "nothing added");
        }
        assertEquals(0, Cli.run("sweep", "--workloads", w.toString(), "--out", out.toString(), "--resume").code());
        refused(Cli.run("sweep", "--workloads", w.toString(), "--out", "hdfs://127.0.0.1:9/nowhere"),
                "Cannot reach dataset hdfs://127.0.0.1:9/nowhere");
    }
}
