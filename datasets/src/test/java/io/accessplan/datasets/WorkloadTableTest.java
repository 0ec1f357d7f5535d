package io.accessplan.datasets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Class 6 of issue 11: RFC 4180 CSV and JSON Lines tables, one reader and writer for all of them. */
class WorkloadTableTest {
    @TempDir
    Path tmp;

    private List<WorkloadTable.Row> read(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return WorkloadTable.read(f.toString());
    }

    @Test
    void aQuotedFieldWithALineBreakIsOneRecordAndTheLineIsWhereItStarts() throws Exception {
        List<WorkloadTable.Row> rows = read("jobs.csv", "job_id,family,layers\n\"two\nlines, and a \"\"quote\"\"\",gpt,12\nb,llama,4\n");
        assertEquals(2, rows.size());
        assertEquals("two\nlines, and a \"quote\"", rows.get(0).values().get("job_id"));
        assertEquals("12", rows.get(0).values().get("layers"));
        assertNull(rows.get(0).error());
        assertEquals(2, rows.get(0).line());
        assertEquals(4, rows.get(1).line());
    }

    @Test
    void aByteOrderMarkDoesNotHideTheFirstColumn() throws Exception {
        for (String name : List.of("jobs.csv", "jobs.jsonl")) {
            String body = name.endsWith(".csv") ? "family,layers\ngpt,12\n" : "{\"family\":\"gpt\",\"layers\":12}\n";
            List<WorkloadTable.Row> rows = read(name, "\uFEFF" + body);
            assertEquals("gpt", rows.get(0).values().get("family"), name);
        }
    }

    @Test
    void nestedJsonValuesAreAnErrorNamingTheFieldNotAnEmptyString() throws Exception {
        List<WorkloadTable.Row> rows = read("jobs.jsonl", "{\"job\":\"a\",\"layers\":{\"n\":12}}\n{\"job\":\"b\",\"layers\":[12]}\n"
                + "{\"job\":\"c\",\"layers\":12,\"hidden\":768.0,\"bf16\":true,\"vocab\":null}\n[1,2]\n{oops\n");
        assertEquals("field layers is a JSON object, expected a string, number or boolean", rows.get(0).error());
        assertEquals("a", rows.get(0).values().get("job"), "the row keeps what it can, to be answered");
        assertEquals("field layers is a JSON array, expected a string, number or boolean", rows.get(1).error());
        Map<String, Object> c = rows.get(2).values();
        assertNull(rows.get(2).error());
        assertEquals(12L, c.get("layers"));
        assertEquals(768.0, c.get("hidden"));
        assertEquals(true, c.get("bf16"));
        assertTrue(c.containsKey("vocab") && c.get("vocab") == null);
        assertEquals("not a JSON object", rows.get(3).error());
        assertTrue(rows.get(4).error().startsWith("malformed JSON"), rows.get(4).error());
        assertEquals(5, rows.get(4).line());
    }

    @Test
    void shortLongAndHeaderProblemsAreNamed() throws Exception {
        List<WorkloadTable.Row> rows = read("jobs.csv", "a,b,c\n1,2\n1,2,3,4\n");
        assertEquals("expected 3 fields, got 2", rows.get(0).error());
        assertEquals("expected 3 fields, got 4", rows.get(1).error());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("dup.csv", "a,b,A\n1,2,3\n")).getMessage()
                .contains("column 3 'a' is blank or repeated"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("empty.csv", "")).getMessage()
                .startsWith("Empty file: "));
        Path latin1 = tmp.resolve("latin1.csv");
        Files.write(latin1, new byte[]{'a', '\n', (byte) 0xe9, '\n'});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkloadTable.read(latin1.toString())).getMessage()
                .contains("not UTF-8"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkloadTable.read(tmp.resolve("none.csv").toString()))
                .getMessage().endsWith("(no such file)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkloadTable.read(tmp.toString() + "/x.txt"))
                .getMessage().startsWith("Unsupported file: "));
    }

    /** What is written reads back the same, in every format, whatever the text holds (a round trip). */
    @Test
    void everyFormatRoundTripsAwkwardText() {
        SplittableRandom r = new SplittableRandom(5);
        String alphabet = "ab,\"\n\r ü€'\\{}[]:;#";
        List<String> columns = List.of("job_id", "layers", "note");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            StringBuilder note = new StringBuilder("x");
            for (int k = r.nextInt(12); k > 0; k--) {
                note.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("job_id", "job-" + i);
            m.put("layers", String.valueOf(1 + r.nextInt(96)));
            m.put("note", note.toString());
            rows.add(m);
        }
        for (String ext : List.of("csv", "jsonl", "parquet")) {
            String f = tmp.resolve("t." + ext).toString();
            WorkloadTable.write(f, columns, rows);
            List<WorkloadTable.Row> back = WorkloadTable.read(f);
            assertEquals(rows.size(), back.size(), ext);
            for (int i = 0; i < rows.size(); i++) {
                assertNull(back.get(i).error(), ext + " row " + i);
                Map<String, Object> got = back.get(i).values();
                assertEquals(rows.get(i).get("job_id"), got.get("job_id"), ext);
                // JSON writes numbers read from text as numbers; Parquet keeps the strings given
                assertEquals(rows.get(i).get("layers"), String.valueOf(got.get("layers")), ext);
                // CSV and JSONL readers trim the values (as the CLI always did); the text inside is kept
                assertEquals(ext.equals("parquet") ? rows.get(i).get("note") : rows.get(i).get("note").toString().strip(),
                        ext.equals("parquet") ? got.get("note") : got.get("note").toString().strip(), ext + " row " + i);
            }
        }
    }
}
