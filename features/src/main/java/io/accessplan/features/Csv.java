package io.accessplan.features;

import de.siegmar.fastcsv.reader.CommentStrategy;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one CSV reader of the project (device catalogs, calibration tables, job and workload files):
 * RFC 4180 through FastCSV, so a quoted field may hold commas, quotes and line breaks, a UTF-8 byte
 * order mark does not hide the first column, blank lines and lines starting with {@code #} are skipped.
 */
public final class Csv {
    /** One record and the line it starts on (1-based). */
    public record Line(long line, List<String> fields) {
    }

    private Csv() {
    }

    /**
     * Reads every record, header included; records may have different field counts (the caller says
     * which are wrong, with the line).
     *
     * @param where names the source in messages
     * @throws IllegalArgumentException naming the source and line of a record the parser refuses
     */
    public static List<Line> read(Reader in, String where) {
        List<Line> out = new ArrayList<>();
        try (java.io.PushbackReader text = new java.io.PushbackReader(in, 1);
             CsvReader<CsvRecord> reader = CsvReader.builder()
                     .commentStrategy(CommentStrategy.SKIP)
                     .skipEmptyLines(true)
                     .ignoreDifferentFieldCount(true)
                     .ofCsvRecord(skipByteOrderMark(text))) {
            for (CsvRecord r : reader) {
                if (r.getFieldCount() == 1 && r.getField(0).isBlank()) {
                    continue;   // a line of spaces
                }
                out.add(new Line(r.getStartingLineNumber(), r.getFields()));
            }
        } catch (CsvParseException e) {
            throw new IllegalArgumentException("Invalid CSV in " + where + ": " + firstLine(e), e);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("Unreadable file: " + where + " (" + firstLine(e) + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable file: " + where + " (" + firstLine(e) + ")", e);
        }
        return out;
    }

    /** A UTF-8 byte order mark decodes to U+FEFF before the first column's name; it is not part of it. */
    private static Reader skipByteOrderMark(java.io.PushbackReader r) throws IOException {
        int c = r.read();
        if (c >= 0 && c != '\uFEFF') {
            r.unread(c);
        }
        return r;
    }

    private static String firstLine(Exception e) {
        Throwable t = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
