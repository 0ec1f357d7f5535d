package io.accessplan.cli;

import io.accessplan.predictor.AccessPlanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples of issue 11, class by class: each gives one line naming the bad value or path, exit code 2,
 * no stack trace, and leaves every file it did not create as it was.
 */
class ReliabilityTest {
    private static final Path SHIPPED = Path.of("..", "datasets", "data", "sim-standard");

    @TempDir
    Path tmp;

    /** Exit 2, one line starting with the message, nothing on standard output. */
    private static Cli.Run refused(Cli.Run r, String message) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("accessplan: " + message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("internal error") || r.err().contains("\tat "), r.err());
        return r;
    }

    /** Every regular file under a directory, by relative path, with its bytes: to compare before and after. */
    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                CRC32 c = new CRC32();
                c.update(Files.readAllBytes(p));
                m.put(dir.relativize(p).toString(), Long.toHexString(c.getValue()));
            }
        }
        return m;
    }

    /** A small dataset: three shipped parts copied. */
    private Path dataset(String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        for (int i = 0; i < 3; i++) {
            String part = String.format("part-%05d.parquet", i);
            Files.copy(SHIPPED.resolve(part), d.resolve(part));
        }
        return d;
    }

    // ---------------------------------------------------------------- class 1

    @Test
    void demoRefusesEveryDirectoryItDidNotMakeAndTouchesNothing() throws Exception {
        Map<String, String> cwd = snapshot(Path.of("src"));
        refused(Cli.run("demo", "--dir", ""), "Invalid --dir: ''");
        refused(Cli.run("demo", "--dir", "."), "Invalid --dir: . (it is the working directory or one above it");
        refused(Cli.run("demo", "--dir", ".."), "Invalid --dir: ..");
        refused(Cli.run("demo", "--dir", "/"), "Invalid --dir: /");
        assertEquals(cwd, snapshot(Path.of("src")), "the working directory is untouched");

        Path user = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(user.resolve("thesis.tex"), "years of work");
        Files.createDirectories(user.resolve("data"));
        Files.writeString(user.resolve("data").resolve("x.parquet"), "x");
        Map<String, String> before = snapshot(user);
        refused(Cli.run("demo", "--dir", user.toString()), "Invalid --dir: " + user + " (an existing directory the demo did not make");
        assertEquals(before, snapshot(user));

        Path file = Files.writeString(tmp.resolve("notes.txt"), "keep me");
        refused(Cli.run("demo", "--dir", file.toString()), "Invalid --dir: " + file + " (not a directory");
        assertEquals("keep me", Files.readString(file));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), user);
        refused(Cli.run("demo", "--dir", link.toString()), "Invalid --dir: " + link);
        assertEquals(before, snapshot(user));
    }

    @Test
    void aDirectoryTheDemoMadeIsReusedAndOnlyWhatADemoWritesIsCleared() throws Exception {
        Path dir = tmp.resolve("demo");
        DemoCommand.prepare(dir);
        assertTrue(Files.isRegularFile(dir.resolve(DemoCommand.MARKER)));
        // what a run writes, and a file the user put there since
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data").resolve("part-00000.parquet"), "old");
        Files.writeString(dir.resolve("model.apm"), "old");
        Files.writeString(dir.resolve("report.html"), "old");
        Files.writeString(dir.resolve("my-notes.txt"), "mine");
        DemoCommand.prepare(dir);
        assertFalse(Files.exists(dir.resolve("data")));
        assertFalse(Files.exists(dir.resolve("model.apm")));
        assertFalse(Files.exists(dir.resolve("report.html")));
        assertEquals("mine", Files.readString(dir.resolve("my-notes.txt")));
        assertTrue(Files.isRegularFile(dir.resolve(DemoCommand.MARKER)));
    }

    // ---------------------------------------------------------------- classes 2 and 5

    @Test
    void anOutputThatIsOrIsInsideAnInputIsRefusedWhateverItsSpelling() throws Exception {
        Path data = dataset("ds");
        Map<String, String> before = snapshot(data);
        Path part = data.resolve("part-00001.parquet");
        refused(Cli.run("train", "--data", data.toString(), "--out", part.toString()),
                "Invalid --out: " + part + " (it is inside the input " + data);
        String dotted = data.resolve("..").resolve(data.getFileName()).resolve(".").resolve("part-00001.parquet").toString();
        refused(Cli.run("train", "--data", data.toString(), "--out", dotted), "Invalid --out: " + dotted);
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), data);
        refused(Cli.run("train", "--data", alias.toString(), "--out", part.toString()), "Invalid --out: " + part);
        refused(Cli.run("train", "--data", data.toString(), "--out", alias.resolve("new.apm").toString()), "Invalid --out: ");
        refused(Cli.run("evaluate", "--data", data.toString(), "--report", part.toString()), "Invalid --report: " + part);
        assertEquals(before, snapshot(data), "the dataset is as it was");

        Path jobs = Files.writeString(tmp.resolve("jobs.csv"), "family,layers,hidden,seq_len,batch,device\ngpt,2,256,128,2,t4-16gb\n");
        byte[] jobBytes = Files.readAllBytes(jobs);
        refused(Cli.run("batch", "--jobs", jobs.toString(), "--out", jobs.toString()), "Invalid --out: " + jobs + " (it is the input");
        Path jobsLink = Files.createSymbolicLink(tmp.resolve("jobs-link.csv"), jobs);
        refused(Cli.run("batch", "--jobs", jobsLink.toString(), "--out", jobs.toString()), "Invalid --out: ");
        refused(Cli.run("batch", "--jobs", jobs.toString(), "--out", tmp.resolve(".").resolve("jobs.csv").toString()),
                "Invalid --out: ");
        assertArrayEquals(jobBytes, Files.readAllBytes(jobs));
    }

    @Test
    void anUnwritableOutputIsRefusedBeforeAnyWork() throws Exception {
        Path data = dataset("ds");
        // nothing printed on standard output: the refusal comes before training or evaluation
        assertEquals("", refused(Cli.run("train", "--data", data.toString(), "--out", "/proc/x.apm"),
                "Cannot write --out /proc/x.apm: directory /proc is not writable").out());
        assertEquals("", refused(Cli.run("evaluate", "--data", data.toString(), "--report", "/proc/r.html"),
                "Cannot write --report /proc/r.html").out());
        Path jobs = Files.writeString(tmp.resolve("jobs.csv"), "family,layers,hidden,seq_len,batch,device\ngpt,2,256,128,2,t4-16gb\n");
        refused(Cli.run("batch", "--jobs", jobs.toString(), "--out", "/proc/a.csv"), "Cannot write --out /proc/a.csv");
        refused(Cli.run("sweep", "--preset", "small", "--out", "/proc/ds"), "Cannot write --out /proc/ds");
        refused(Cli.run("batch", "--jobs", jobs.toString(), "--out", tmp.toString()), "Invalid --out: " + tmp + " (a directory");
        Path file = Files.writeString(tmp.resolve("f"), "x");
        refused(Cli.run("batch", "--jobs", jobs.toString(), "--out", file.resolve("a.csv").toString()), "Cannot write --out ");
        refused(Cli.run("sweep", "--preset", "small", "--out", file.toString()), "Invalid --out: " + file + " (a file");
        assertEquals("x", Files.readString(file));
    }

    // ---------------------------------------------------------------- class 3

    @Test
    void aDamagedDatasetIsRefusedNamingThePartOrSkippedAndCounted() throws Exception {
        Path data = dataset("ds");
        Path part = data.resolve("part-00002.parquet");
        byte[] b = Files.readAllBytes(part);
        for (int i = 0; i < 16; i++) {
            b[b.length / 2 + i] = 0x7f;
        }
        Files.write(part, b);
        refused(Cli.run("evaluate", "--data", data.toString()), "Damaged dataset part file:" + part.toAbsolutePath());
        refused(Cli.run("train", "--data", data.toString(), "--out", tmp.resolve("m.apm").toString()), "Damaged dataset part ");
        assertFalse(Files.exists(tmp.resolve("m.apm")));
        Cli.Run skipped = Cli.run("evaluate", "--data", data.toString(), "--skip-damaged", "--json");
        assertEquals(0, skipped.code(), skipped.err());
        assertTrue(skipped.err().contains("skipped Damaged dataset part file:" + part.toAbsolutePath()), skipped.err());
        assertTrue(skipped.err().contains("skipped 1 damaged of 3 parts"), skipped.err());

        for (byte[] broken : List.of(new byte[0], Arrays.copyOf(b, 100), "not parquet".getBytes())) {
            Files.write(part, broken);
            refused(Cli.run("evaluate", "--data", data.toString()), "Damaged dataset part ");
        }
    }

    // ---------------------------------------------------------------- class 4

    @Test
    void sizesBeyondTheirBoundsAreRefusedNamingTheFieldBeforeAnyWork() {
        refused(Cli.run("plan", "--family", "gpt", "--layers", "2000000000", "--hidden", "768"),
                "Invalid layers: 2000000000 (must be at most 1024)");
        refused(Cli.run("plan", "--family", "gpt", "--layers", "100000", "--hidden", "768"), "Invalid layers: 100000");
        refused(Cli.run("plan", "--family", "gpt", "--layers", "2", "--hidden", "2147483647", "--heads", "1"),
                "Invalid hidden: 2147483647 (must be at most 65536)");
        refused(Cli.run("plan", "--family", "gpt", "--layers", "2", "--hidden", "768", "--seq-len", "2147483647",
                "--batch", "2147483647"), "Invalid seq_len: 2147483647");
        refused(Cli.run("plan", "--family", "gpt", "--layers", "1024", "--hidden", "65536", "--heads", "1024",
                "--seq-len", "16384", "--batch", "1024", "--attention", "naive"), "Invalid workload: about ");
        refused(Cli.run("recommend", "--family", "llama", "--layers", "32", "--hidden", "4096", "--vocab", "99999999"),
                "Invalid vocab: 99999999");
    }

    // ---------------------------------------------------------------- class 6

    @Test
    void jobFilesAreParsedAsRfc4180AndJsonWithBadValuesNamed() throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        Files.writeString(jobs, "\uFEFFjob_id,family,layers,hidden,seq_len,batch,device\n\"a\nb\",gpt,2,256,128,2,t4-16gb\n"
                + "c,gpt,2,256,128,2,t4-16gb\n");
        Path out = tmp.resolve("answers.jsonl");
        Cli.Run r = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size(), "two jobs, the line break inside the first job's id kept");
        assertEquals("a\nb", json.readTree(lines.get(0)).get("job_id").asText());
        assertTrue(json.readTree(lines.get(0)).get("error").isNull(), lines.get(0));

        Path jl = Files.writeString(tmp.resolve("jobs.jsonl"), "{\"family\":\"gpt\",\"layers\":{\"n\":2},\"hidden\":256,"
                + "\"seq_len\":128,\"batch\":2,\"device\":\"t4-16gb\"}\n");
        Path out2 = tmp.resolve("answers2.jsonl");
        assertEquals(0, Cli.run("batch", "--jobs", jl.toString(), "--out", out2.toString()).code());
        assertEquals("line 1: field layers is a JSON object, expected a string, number or boolean",
                json.readTree(Files.readAllLines(out2).get(0)).get("error").asText());
    }

    // ---------------------------------------------------------------- class 7

    @Test
    void looseOptionsAndDeviceFilesAreRefusedNamingTheValue() throws Exception {
        refused(Cli.run("recommend", "--family", "gpt", "--layers", "12", "--hidden", "768", "--alternatives", "-1"),
                "Invalid --alternatives: -1 (must be >= 0)");
        Path data = dataset("ds");
        refused(Cli.run("crosscheck", "--data", data.toString(), "--limit", "-1"), "Invalid --limit: -1");
        refused(Cli.run("crosscheck", "--data", data.toString(), "--limit", "0"), "Invalid --limit: 0");
        refused(Cli.run("crosscheck", "--data", data.toString(), "--repeats", "0"), "Invalid --repeats: 0");
        refused(Cli.run("sweep", "--preset", "small", "--chunk-size", "0", "--out", tmp.resolve("x").toString()),
                "Invalid chunk size: 0");
        refused(Cli.run("sweep", "--preset", "small", "--memory-cap-gib", "NaN", "--out", tmp.resolve("x").toString()),
                "Invalid memory cap: NaN");
        assertFalse(Files.exists(tmp.resolve("x")));

        String header = io.accessplan.features.DeviceCatalog.HEADER + "\n";
        Path nan = Files.writeString(tmp.resolve("nan.csv"), header + "my-gpu,24,900,120,NaN,30,true,4,25,25,x,mine\n");
        refused(Cli.run("recommend", "--family", "gpt", "--layers", "12", "--hidden", "768", "--devices-file", nan.toString(),
                "--device", "my-gpu"), "Invalid device row " + nan + ":2: tf32_tflops 'NaN' (not a finite number)");
        Path gen = Files.writeString(tmp.resolve("gen.csv"), header + "my-gpu,24,900,120,60,30,true,-3,25,25,x,mine\n");
        refused(Cli.run("plan", "--family", "gpt", "--layers", "12", "--hidden", "768", "--devices-file", gen.toString(),
                "--device", "my-gpu"), "Invalid device row " + gen + ":2: Invalid pcie_gen of my-gpu: -3");
    }

    @Test
    void aModelFileWithAValidCrcButCorruptContentsIsNamed() throws Exception {
        byte[] bundled;
        try (InputStream in = AccessPlanner.class.getResourceAsStream(AccessPlanner.BUNDLED_RESOURCE)) {
            bundled = in.readAllBytes();
        }
        // the metadata JSON (after magic, format and schema versions) with its residual quantiles cut to one
        ByteBuffer b = ByteBuffer.wrap(bundled);
        int n = b.getInt(16);
        String meta = new String(bundled, 20, n, StandardCharsets.UTF_8);
        String bad = meta.replaceFirst("\"time_residual_quantiles\":\\s*\\[[^\\]]*\\]", "\"time_residual_quantiles\":[0.1]");
        assertFalse(bad.equals(meta), "the metadata has residual quantiles to damage");
        byte[] badMeta = bad.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(bundled.length - n + badMeta.length);
        out.put(bundled, 0, 16).putInt(badMeta.length).put(badMeta).put(bundled, 20 + n, bundled.length - 20 - n - 4);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        Path model = Files.write(tmp.resolve("corrupt.apm"), out.array());
        refused(Cli.run("recommend", "--model", model.toString(), "--family", "gpt", "--layers", "12", "--hidden", "768"),
                "Invalid model file: " + model + " (");
    }

    @Test
    void theJavaApiSaysWhatIsNullInsteadOfTheJvmsNullPointerText() {
        AccessPlanner p = AccessPlanner.bundled();
        assertEquals("Invalid workload: null (recommend needs a Workload: model, training, device)",
                assertThrows(IllegalArgumentException.class, () -> p.recommend(null)).getMessage());
        List<io.accessplan.features.Workload> withNull = new ArrayList<>();
        withNull.add(null);
        assertEquals("Invalid workload at index 0: null",
                assertThrows(IllegalArgumentException.class, () -> p.recommendAll(withNull)).getMessage());
    }

    // ---------------------------------------------------------------- class 8

    @Test
    void answerFilesAndPartsHonourTheUmaskOfTheProcessThatWritesThem() throws Exception {
        Path jobs = Files.writeString(tmp.resolve("jobs.csv"), "family,layers,hidden,seq_len,batch,device\ngpt,2,256,128,2,t4-16gb\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String ext : List.of("csv", "parquet")) {
            Path out = tmp.resolve("answers." + ext);
            String cmd = "umask 077 && exec \"$0\" -cp \"$1\" " + Main.class.getName() + " batch --jobs \"$2\" --out \"$3\"";
            Process p = new ProcessBuilder("sh", "-c", cmd, java, System.getProperty("java.class.path"), jobs.toString(),
                    out.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(out);
            assertEquals(PosixFilePermissions.fromString("rw-------"), perms, ext);
        }
    }
}
