package io.accessplan.features;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one CSV reader and writer of the project (device catalogs, calibration tables, job, workload and
 * answer files): RFC 4180 through Apache Commons CSV, so a quoted field may hold commas, quotes and line
 * breaks; a UTF-8 byte order mark does not hide the first column; blank lines and lines starting with
 * {@code #} are skipped.
 */
public final class Csv {
    /** One record and the line it starts on (1-based). */
    public record Line(long line, List<String> fields) {
    }

    private static final CSVFormat READ = CSVFormat.RFC4180.builder()
            .setCommentMarker('#')
            .setIgnoreEmptyLines(true)
            .build();

    private static final CSVFormat WRITE = CSVFormat.RFC4180.builder().setRecordSeparator('\n').build();

    private Csv() {
    }

    /**
     * Reads every record of a text, header included; records may have different field counts (the caller
     * says which are wrong, with the line).
     *
     * @param where names the source in messages
     * @throws IllegalArgumentException naming the source and line of a record the parser refuses
     */
    public static List<Line> read(String text, String where) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        long[] lineStarts = lineStarts(t);
        List<Line> out = new ArrayList<>();
        try (CSVParser p = READ.parse(new StringReader(t))) {
            for (CSVRecord r : p) {
                if (r.size() == 1 && r.get(0).isBlank()) {
                    continue;   // a line of spaces
                }
                out.add(new Line(lineOf(lineStarts, r.getCharacterPosition()), r.toList()));
            }
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new IllegalArgumentException("Invalid CSV in " + where + ": " + firstLine(e), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable file: " + where + " (" + firstLine(e) + ")", e);
        }
        return out;
    }

    /** Writes records as RFC 4180 text (quoted where needed, LF line ends). */
    public static void write(Appendable out, List<String> header, Iterable<? extends List<String>> records) throws IOException {
        CSVPrinter p = new CSVPrinter(out, WRITE);
        p.printRecord(header);
        for (List<String> r : records) {
            p.printRecord(r);
        }
        p.flush();
    }

    private static long[] lineStarts(String t) {
        long[] starts = new long[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 == t.length() || t.charAt(i + 1) != '\n'))) {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, 2 * n);
                }
                starts[n++] = i + 1;
            }
        }
        return Arrays.copyOf(starts, n);
    }

    private static long lineOf(long[] starts, long position) {
        int i = Arrays.binarySearch(starts, position);
        return (i >= 0 ? i : -i - 2) + 1;
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
