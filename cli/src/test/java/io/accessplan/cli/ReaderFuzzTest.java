package io.accessplan.cli;

import io.accessplan.datasets.DamagedPartException;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.datasets.ParquetDataset;
import io.accessplan.datasets.WorkloadTable;
import io.accessplan.model.StrategyModel;
import io.accessplan.predictor.AccessPlanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 11, "must show" 2: seeded random mutations of valid job files (CSV, JSONL, Parquet), model files
 * and dataset parts never give an internal error, a hang or an answer from damaged data. Each reader gets
 * a time budget of about two seconds (CI runs on two cores); the seed makes a failure reproducible, and the
 * failing mutation's seed and trial are in the message.
 */
class ReaderFuzzTest {
    private static final long SEED = 20261201L;
    private static final Duration BUDGET = Duration.ofSeconds(2);

    @TempDir
    Path tmp;

    /** Bytes that matter to the text formats: quotes, separators, line ends, brackets, a NUL, a digit. */
    private static final byte[] SPECIAL = "\",\n\r{}[]:\\\u0000x9-".getBytes(StandardCharsets.ISO_8859_1);

    /** A mutation of a valid file's bytes: flips, overwrites, insertions, deletions, truncation, duplication. */
    static byte[] mutate(byte[] valid, SplittableRandom r) {
        byte[] b = valid.clone();
        int kind = r.nextInt(6);
        int at = r.nextInt(Math.max(1, b.length));
        switch (kind) {
            case 0 -> b[at] ^= (byte) (1 + r.nextInt(255));
            case 1 -> {
                for (int i = at; i < Math.min(b.length, at + 1 + r.nextInt(16)); i++) {
                    b[i] = (byte) r.nextInt(256);
                }
            }
            case 2 -> {
                byte[] ins = new byte[1 + r.nextInt(8)];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = SPECIAL[r.nextInt(SPECIAL.length)];
                }
                byte[] c = new byte[b.length + ins.length];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(ins, 0, c, at, ins.length);
                System.arraycopy(b, at, c, at + ins.length, b.length - at);
                b = c;
            }
            case 3 -> {
                int n = Math.min(b.length - at, 1 + r.nextInt(16));
                byte[] c = new byte[b.length - n];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + n, c, at, b.length - at - n);
                b = c;
            }
            case 4 -> b = Arrays.copyOf(b, at);
            default -> {
                byte[] c = Arrays.copyOf(b, b.length * 2);
                System.arraycopy(b, 0, c, b.length, b.length);
                b = c;
            }
        }
        return b;
    }

    /** Runs mutations until the budget is spent; returns how many ran. */
    private static int fuzz(byte[] valid, long seed, Consumer<byte[]> check) {
        SplittableRandom r = new SplittableRandom(seed);
        long end = System.nanoTime() + BUDGET.toNanos();
        int n = 0;
        while (System.nanoTime() < end || n < 20) {
            byte[] m = mutate(valid, r);
            try {
                check.accept(m);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", trial " + n + ": " + e.getMessage(), e);
            }
            n++;
        }
        return n;
    }

    private static final String JOBS_CSV = "job_id,family,layers,hidden,heads,seq_len,batch,precision,device\n"
            + "a,gpt,12,768,12,1024,8,fp16,t4-16gb\nb,llama,4,1024,16,512,4,bf16,a100-sxm-80gb\n\"c,1\",bert,2,256,4,128,2,fp32,v100-sxm-16gb\n";

    @Test
    void mutatedJobFilesGiveAnswersOrOneLineRefusalsNeverAnInternalError() {
        String jsonl = "{\"job_id\":\"a\",\"family\":\"gpt\",\"layers\":12,\"hidden\":768,\"seq_len\":1024,\"batch\":8,\"device\":\"t4-16gb\"}\n"
                + "{\"job_id\":\"b\",\"family\":\"llama\",\"layers\":4,\"hidden\":1024,\"seq_len\":512,\"batch\":4,\"device\":\"h100-sxm-80gb\"}\n";
        Path parquet = tmp.resolve("valid.parquet");
        WorkloadTable.write(parquet.toString(), List.of("job_id", "family", "layers", "hidden", "seq_len", "batch", "device"),
                List.of(Map.of("job_id", "a", "family", "gpt", "layers", 12L, "hidden", 768L, "seq_len", 1024L, "batch", 8L,
                        "device", "t4-16gb")));
        int[] k = {0};
        for (String ext : List.of("csv", "jsonl", "parquet")) {
            byte[] valid;
            try {
                valid = ext.equals("parquet") ? Files.readAllBytes(parquet)
                        : (ext.equals("csv") ? JOBS_CSV : jsonl).getBytes(StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            int n = assertTimeoutPreemptively(BUDGET.multipliedBy(10), () -> fuzz(valid, SEED + ext.hashCode(), m -> {
                Path jobs = tmp.resolve("jobs-" + k[0] + "." + ext);
                Path out = tmp.resolve("answers-" + k[0]++ + ".jsonl");
                try {
                    Files.write(jobs, m);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
                Cli.Run run = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString());
                assertTrue(run.code() == 0 || run.code() == 2, "exit " + run.code() + ": " + run.err());
                assertTrue(!run.err().contains("internal error") && !run.err().contains("\tat "), run.err());
                if (run.code() == 2) {
                    assertEquals(1, run.err().strip().lines().count(), run.err());
                    assertTrue(!Files.exists(out), "a refused batch writes no answer file");
                } else if (ext.equals("parquet")) {
                    // a Parquet job file is refused, or every answered job is the one written (a damaged column
                    // name, say, gives an error row naming the missing field, never an answer for other sizes)
                    for (WorkloadTable.Row a : WorkloadTable.read(out.toString())) {
                        Map<String, Object> v = a.values();
                        if (v.get("strategy") != null) {
                            assertEquals("gpt|12|768|1024|8|t4-16gb", v.get("family") + "|" + v.get("layers") + "|"
                                    + v.get("hidden") + "|" + v.get("seq_len") + "|" + v.get("batch") + "|" + v.get("device"));
                        }
                    }
                }
            }));
            assertTrue(n >= 20, ext + ": " + n);
        }
    }

    @Test
    void mutatedModelFilesAreRefusedNamingTheFileOrLoadUnchanged() throws Exception {
        byte[] valid;
        try (InputStream in = AccessPlanner.class.getResourceAsStream(AccessPlanner.BUNDLED_RESOURCE)) {
            valid = in.readAllBytes();
        }
        int n = assertTimeoutPreemptively(BUDGET.multipliedBy(10), () -> fuzz(valid, SEED, m -> {
            try {
                StrategyModel.fromBytes(m, "fuzzed.apm");
                // only a mutation that leaves the bytes as they were (a truncation at the end cannot) may load
                assertTrue(Arrays.equals(m, valid), "a changed model file loaded");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("fuzzed.apm"), e.getMessage());
                assertTrue(!e.getMessage().contains("\n"), e.getMessage());
            }
        }));
        assertTrue(n >= 20, "trials: " + n);
    }

    @Test
    void mutatedDatasetPartsAreRefusedNamingThePartOrReadUnchanged() throws Exception {
        Path shipped = Path.of("..", "datasets", "data", "cuda-h100", "part-00001.parquet");
        byte[] valid = Files.readAllBytes(shipped);
        Path dir = Files.createDirectories(tmp.resolve("ds"));
        Path part = dir.resolve("part-00000.parquet");
        Files.write(part, valid);
        ParquetDataset ds = ParquetDataset.open(dir.toString());
        List<DatasetRow> truth = ds.readAll();
        int n = assertTimeoutPreemptively(BUDGET.multipliedBy(10), () -> fuzz(valid, SEED, m -> {
            try {
                Files.write(part, m);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            try {
                List<DatasetRow> rows = ds.readAll();
                if (!rows.equals(truth)) {
                    fail("damaged part read as different data (" + rows.size() + " rows, " + truth.size() + " written)");
                }
            } catch (DamagedPartException e) {
                assertTrue(e.getMessage().contains("part-00000.parquet") && !e.getMessage().contains("\n"), e.getMessage());
            }
        }));
        assertTrue(n >= 20, "trials: " + n);
    }
}
