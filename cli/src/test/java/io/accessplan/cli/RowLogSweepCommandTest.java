package io.accessplan.cli;

import io.accessplan.collector.RowLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The row-log sweep is one command of the command line, with its bad input said in one line. */
class RowLogSweepCommandTest {

    @Test
    void itSweepsIntoARowLogFromTheCommandLine(@TempDir Path tmp) {
        Path log = tmp.resolve("rows.jsonl");
        Cli.Run r = Cli.run("rowlog-sweep", "--backend", "sim", "--device", "t4-16gb", "--preset", "small",
                "--max-params", "5e7", "--max-workloads", "1", "--repeats", "1", "--out", log.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("done: 1 workloads complete"), r.out());
        RowLog.Contents c = RowLog.read(log);
        assertEquals("t4-16gb", c.device().name());
        assertTrue(c.rows().size() > 1 && c.rows().stream().allMatch(x -> x.measurement().backend().equals("sim")));
    }

    @Test
    void badInputIsOneLineAndExitTwoAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("rows.jsonl");
        Cli.Run r = Cli.run("rowlog-sweep", "--backend", "sim", "--repeats", "many", "--out", log.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("many") && r.err().strip().lines().count() == 1, r.err());
        Cli.Run noDevice = Cli.run("rowlog-sweep", "--backend", "sim", "--out", log.toString());
        assertEquals(2, noDevice.code());
        assertTrue(noDevice.err().contains("--device"), noDevice.err());
        assertFalse(Files.exists(log));
        Files.writeString(log, "keep me");
        Cli.Run exists = Cli.run("rowlog-sweep", "--backend", "sim", "--device", "t4-16gb", "--out", log.toString());
        assertEquals(2, exists.code());
        assertTrue(exists.err().contains("Output exists"), exists.err());
        assertEquals("keep me", Files.readString(log));
    }
}
