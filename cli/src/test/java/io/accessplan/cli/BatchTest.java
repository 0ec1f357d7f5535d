package io.accessplan.cli;

import io.accessplan.datasets.GenericTable;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.predictor.AccessPlanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchTest {
    private static final String HEADER = "job_id,family,layers,hidden,heads,seq_len,batch,precision,device";
    private static final String[] DEVICES = {"t4-16gb", "v100-sxm-16gb", "a100-sxm-80gb", "h100-sxm-80gb", "l4-24gb"};
    private static final String[] BAD = {"gpt,0,768,12,1024,8,fp16,t4-16gb", "gpt,12,768,7,1024,8,fp16,t4-16gb",
            "rnn,12,768,12,1024,8,fp16,t4-16gb", "gpt,12,768,12,1024,8,fp16,tpu-v9", "gpt,12,768,12,1024,8,bf16,v100-sxm-16gb",
            "gpt,twelve,768,12,1024,8,fp16,t4-16gb", "gpt,12,768,12,1024"};

    /** Jobs with a bad one every ~1,000 rows, at random places; returns the indices of the bad ones. */
    static List<Integer> writeJobs(Path file, int n, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        List<Integer> bad = new ArrayList<>();
        int[] hidden = {512, 768, 1024, 2048};
        for (int i = 0; i < n; i++) {
            sb.append("job-").append(i).append(',');
            if (r.nextInt(1000) == 0) {
                bad.add(i);
                sb.append(BAD[r.nextInt(BAD.length)]).append('\n');
                continue;
            }
            int h = hidden[r.nextInt(hidden.length)];
            sb.append(r.nextBoolean() ? "gpt" : "llama").append(',').append(2 + r.nextInt(30)).append(',').append(h)
                    .append(',').append(h / 64).append(',').append(256 << r.nextInt(4)).append(',')
                    .append(1 << r.nextInt(5)).append(",fp16,").append(DEVICES[r.nextInt(DEVICES.length)]).append('\n');
        }
        Files.writeString(file, sb);
        return bad;
    }

    @Test
    void aHundredThousandJobsWithBadRowsGetAHundredThousandAnswers(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        List<Integer> bad = writeJobs(jobs, 100_000, 1);
        assertTrue(bad.size() > 30, "bad rows scattered: " + bad.size());
        Path out = tmp.resolve("answers.parquet");
        BatchRunner.Result res = BatchRunner.run(AccessPlanner.bundled(), jobs, out, DeviceCatalog.builtin());
        assertEquals(100_000, res.jobs());
        assertEquals(bad.size(), res.errors());
        List<Map<String, Object>> rows = GenericTable.read(out.toString());
        assertEquals(100_000, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = rows.get(i);
            assertEquals("job-" + i, row.get("job_id"), "the job's own columns come through, in order");
            if (bad.contains(i)) {
                assertNotNull(row.get("error"), "row " + i);
                assertNull(row.get("strategy"));
            } else {
                assertNull(row.get("error"), "row " + i + ": " + row.get("error"));
                assertNotNull(row.get("strategy"));
            }
        }
    }

    @Test
    void errorRowsNameTheFieldAndValue(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (int i = 0; i < BAD.length; i++) {
            sb.append("bad-").append(i).append(',').append(BAD[i]).append('\n');
        }
        sb.append("good,gpt,12,768,12,1024,8,fp16,t4-16gb\n");
        Files.writeString(jobs, sb);
        Path out = tmp.resolve("answers.jsonl");
        Cli.Run run = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(BAD.length + 1, lines.size());
        assertTrue(lines.get(0).contains("\"error\":\"Invalid layers: 0 (must be > 0)\""), lines.get(0));
        assertTrue(lines.get(1).contains("Invalid heads: 7 (must divide hidden 768)"), lines.get(1));
        assertTrue(lines.get(2).contains("Unknown family: rnn"), lines.get(2));
        assertTrue(lines.get(3).contains("Unknown device: tpu-v9"), lines.get(3));
        assertTrue(lines.get(4).contains("Invalid precision: bf16 (not supported by device v100-sxm-16gb)"), lines.get(4));
        assertTrue(lines.get(5).contains("Invalid layers: twelve (not an integer)"), lines.get(5));
        assertTrue(lines.get(6).contains("expected 9 fields, got 6"), lines.get(6));
        assertTrue(lines.get(7).contains("\"error\":null") && lines.get(7).contains("\"strategy\":\""), lines.get(7));
    }

    @Test
    void theMixedPrecisionColumnIsOptionalAndABadValueIsAnErrorRow(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        Files.writeString(jobs, "id,family,layers,hidden,heads,seq_len,batch,precision,mixed_precision,device\n"
                + "a,gpt,12,768,12,1024,8,fp16,autocast,a100-sxm-80gb\n"
                + "b,gpt,12,768,12,1024,8,fp16,,a100-sxm-80gb\n"
                + "c,gpt,12,768,12,1024,8,fp16,o2,a100-sxm-80gb\n"
                + "d,gpt,12,768,12,1024,8,fp32,autocast,a100-sxm-80gb\n");
        Path out = tmp.resolve("answers.jsonl");
        Cli.Run run = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        assertTrue(lines.get(0).contains("\"error\":null") && lines.get(0).contains("\"mixed_precision\":\"autocast\""),
                lines.get(0));
        assertTrue(lines.get(1).contains("\"error\":null"), lines.get(1));
        assertTrue(lines.get(2).contains("Unknown mixed_precision: o2 (expected one of master, autocast)"), lines.get(2));
        assertTrue(lines.get(3).contains("Invalid mixed_precision: autocast (precision fp32 is not mixed precision"),
                lines.get(3));
    }

    @Test
    void aKilledBatchNeverLeavesAHalfWrittenAnswerFile(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        writeJobs(jobs, 30_000, 2);
        Path out = tmp.resolve("answers.csv");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        SplittableRandom r = new SplittableRandom(3);
        boolean sawComplete = false;
        for (int trial = 0; trial < 4; trial++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "batch", "--jobs", jobs.toString(), "--out", out.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (trial < 3) {
                Thread.sleep(500 + r.nextInt(6000));
                p.destroyForcibly();
            }
            p.waitFor(300, TimeUnit.SECONDS);
            if (Files.exists(out)) {
                // whatever moment the kill came, the answer file is whole: header + one row per job
                assertEquals(30_001, Files.readAllLines(out).size());
                sawComplete = true;
            }
        }
        assertTrue(sawComplete, "the uninterrupted run wrote its answers");
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".csv") && !f.equals(out) && !f.equals(jobs)),
                    "no stray answer files");
        }
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("_tmp.")),
                    "the last run removed the temporaries the killed runs left");
        }
    }
}
