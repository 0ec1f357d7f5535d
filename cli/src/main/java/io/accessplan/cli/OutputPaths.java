package io.accessplan.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The one guard every command puts on its outputs before it does any work: an output must not be
 * (or lie inside) one of the command's inputs, whatever the spelling of either path (symbolic
 * links, {@code ./}, {@code ..}), and the directory it goes to must exist or be creatable, and be
 * writable. Writability is proven by creating and deleting a probe file in the nearest existing
 * directory (a permission check alone says yes to root, and for {@code /proc}). Nothing is created
 * that is left behind. Locations on other Hadoop file systems ({@code hdfs:}, ...) are only
 * checked for overlap by their URI; their writes fail later in one line naming the location.
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /** What an output will be: a single file, or a directory of files (a dataset). */
    enum Kind {
        FILE, DIRECTORY
    }

    /**
     * Checks an output against the command's inputs and the file system.
     *
     * @param option the option that names the output, for the message ({@code --out})
     * @param output the output path or URI
     * @param kind   a file or a directory
     * @param inputs the paths or URIs the command reads (nulls are skipped)
     * @throws BadInputException naming the output and the reason
     */
    static void check(String option, String output, Kind kind, List<String> inputs) {
        if (output == null || output.isBlank()) {
            throw new BadInputException("Invalid " + option + ": '" + output + "' (a path is required)");
        }
        Path out = local(output);
        for (String in : inputs) {
            if (in == null || in.isBlank()) {
                continue;
            }
            Path inPath = local(in);
            if (out != null && inPath != null) {
                Path o = canonical(out);
                Path i = canonical(inPath);
                if (o.equals(i) || o.startsWith(i)) {
                    throw new BadInputException("Invalid " + option + ": " + output + " (it is "
                            + (o.equals(i) ? "" : "inside ") + "the input " + in + "; choose another path)");
                }
            } else if (out == null && inPath == null && (output.equals(in) || output.startsWith(in.endsWith("/") ? in : in + "/"))) {
                throw new BadInputException("Invalid " + option + ": " + output + " (it is, or is inside, the input " + in + ")");
            }
        }
        if (out != null) {
            checkWritable(option, output, out, kind);
        }
    }

    /** Checks a file output against the inputs. */
    static void checkFile(String option, Path output, Path... inputs) {
        check(option, output == null ? null : output.toString(), Kind.FILE,
                java.util.Arrays.stream(inputs).filter(Objects::nonNull).map(Path::toString).toList());
    }

    private static void checkWritable(String option, String spelled, Path out, Kind kind) {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.isDirectory(abs) && kind == Kind.FILE) {
            throw new BadInputException("Invalid " + option + ": " + spelled + " (a directory; a file name is required)");
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(abs) && kind == Kind.DIRECTORY) {
            throw new BadInputException("Invalid " + option + ": " + spelled + " (a file; a directory is required)");
        }
        if (Files.exists(abs) && !Files.isDirectory(abs) && !Files.isRegularFile(abs)) {
            throw new BadInputException("Invalid " + option + ": " + spelled + " (not a regular file)");
        }
        // the nearest directory that exists: where the output, or its missing parents, will be created
        Path dir = kind == Kind.DIRECTORY && Files.isDirectory(abs) ? abs : abs.getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BadInputException("Cannot write " + option + " " + spelled + ": "
                    + (dir == null ? "no existing parent directory" : dir + " is not a directory"));
        }
        try {
            Path probe = Files.createTempFile(dir, ".accessplan-probe-", ".tmp");
            Files.delete(probe);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new BadInputException("Cannot write " + option + " " + spelled + ": directory " + dir
                    + " is not writable (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The local path of a plain path or a {@code file:} URI; null for other file systems. */
    static Path local(String s) {
        String t = s.trim();
        int colon = t.indexOf(':');
        try {
            if (colon > 1 && t.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
                URI u = URI.create(t);
                return "file".equalsIgnoreCase(u.getScheme()) ? Path.of(u.getPath()) : null;
            }
            return Path.of(t);
        } catch (IllegalArgumentException e) {   // InvalidPathException included
            throw new BadInputException("Invalid path: " + s + " (" + Main.firstLine(e.getMessage()) + ")");
        }
    }

    /**
     * The real path of {@code p}: symbolic links of its longest existing prefix resolved, the rest
     * (not yet created) appended normalized, so two spellings of one place compare equal.
     */
    static Path canonical(Path p) {
        // not normalized first: ".." after a symbolic link is the link target's parent, which only
        // the file system knows (toRealPath)
        Path abs = p.toAbsolutePath();
        Path existing = abs;
        Path rest = null;
        while (existing != null && !Files.exists(existing)) {
            Path name = existing.getFileName();
            rest = rest == null ? name : name.resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs.normalize();
        }
        try {
            Path real = existing.toRealPath();
            return rest == null ? real : real.resolve(rest).normalize();
        } catch (IOException e) {
            return abs.normalize();
        }
    }
}
