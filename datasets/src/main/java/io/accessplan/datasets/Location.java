package io.accessplan.datasets;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Where a dataset or table lives: a Hadoop {@link FileSystem} and a path on it, resolved from a
 * local path or a URI, plus the file operations the writers need (temporary names, renames that
 * publish a finished file) with every failure reported in one line that names the location.
 *
 * @param fs   the file system
 * @param path the fully qualified path
 */
record Location(FileSystem fs, Path path) {

    /** Prefix of temporary files: Hadoop, Spark and pyarrow skip names that start with {@code _} or {@code .}. */
    static final String TEMP_PREFIX = "_tmp.";

    /** Suffix of temporary files, so that a {@code *.parquet} glob (DuckDB) never matches one. */
    static final String TEMP_SUFFIX = ".inprogress";

    /**
     * Resolves a local path (relative to the working directory) or a URI with a scheme
     * ({@code file:}, {@code hdfs:}, ...). Local paths use the raw local file system: the checksummed
     * one would leave {@code .crc} side files next to every part and not rename them atomically.
     *
     * @throws IllegalArgumentException naming the location when it is blank, malformed, or its file
     *                                  system cannot be created (unknown scheme, unknown host)
     */
    static Location resolve(String location, Configuration conf) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("Invalid location: '" + location + "' (a path or a URI is required)");
        }
        if (conf == null) {
            throw new IllegalArgumentException("Invalid Hadoop configuration for " + location + ": null");
        }
        String s = location.trim();
        try {
            URI uri = hasScheme(s) ? new URI(s) : null;
            if (uri == null || "file".equalsIgnoreCase(uri.getScheme())) {
                String local = uri == null ? new File(s).getAbsolutePath() : new File(uri.getPath()).getAbsolutePath();
                FileSystem raw = rawLocal(conf);
                return new Location(raw, raw.makeQualified(new Path(local)));
            }
            if (uri.getPath() == null || uri.getPath().isEmpty()) {
                throw new IllegalArgumentException("Invalid location: " + location + " (the URI has no path)");
            }
            FileSystem fs = FileSystem.get(uri, conf);
            return new Location(fs, fs.makeQualified(new Path(uri)));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Invalid location: " + location + " (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null
                    && e.getMessage().startsWith("Invalid location: ")) {
                throw (IllegalArgumentException) e;
            }
            throw new IllegalArgumentException("Cannot open " + location + ": " + oneLine(e), e);
        }
    }

    /** A URI scheme is at least two characters, so {@code C:\data} stays a local path. */
    private static boolean hasScheme(String s) {
        int colon = s.indexOf(':');
        return colon > 1 && s.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    }

    private static FileSystem rawLocal(Configuration conf) throws IOException {
        LocalFileSystem local = FileSystem.getLocal(conf);
        FileSystem raw = local.getRawFileSystem();
        return raw instanceof RawLocalFileSystem ? raw : local;
    }

    /** A child of this location. */
    Path child(String name) {
        return new Path(path, name);
    }

    /**
     * A fresh hidden temporary path in the same directory as {@code target}, so a rename publishes it.
     * The name carries the writing process's id and start time ({@code p<pid>-<start ms>}), so that a
     * later writer on the same host can prove the writer dead ({@link #writerIsDead}).
     */
    static Path temporaryFor(Path target) {
        return new Path(target.getParent(), TEMP_PREFIX + target.getName() + "." + OWNER + "." + UUID.randomUUID()
                + TEMP_SUFFIX);
    }

    /** This process as a temporary file names it: {@code p<pid>-<start epoch ms>}. */
    static final String OWNER = owner(ProcessHandle.current());

    private static String owner(ProcessHandle h) {
        return "p" + h.pid() + "-" + h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
    }

    private static final java.util.regex.Pattern OWNER_IN_NAME = java.util.regex.Pattern.compile(
            ".*\\.(p(\\d+)-(\\d+))\\.[0-9a-f-]{36}" + java.util.regex.Pattern.quote(TEMP_SUFFIX));

    /**
     * Whether the writer of a temporary file is provably gone: its name records a process of this host
     * ({@code p<pid>-<start>}) and no process with that id and start time runs. Files without an owner
     * (older writers) and files on other file systems, where processes of other hosts may write, are
     * never proven dead.
     */
    boolean writerIsDead(String tempName) {
        if (!(fs instanceof RawLocalFileSystem) || !isTemporary(tempName)) {
            return false;
        }
        java.util.regex.Matcher m = OWNER_IN_NAME.matcher(tempName);
        if (!m.matches()) {
            return false;
        }
        long pid = Long.parseLong(m.group(2));
        return ProcessHandle.of(pid).map(h -> !h.isAlive() || !owner(h).equals(m.group(1))).orElse(true);
    }

    /**
     * Deletes the temporary files in {@code dir} that publish {@code targetName} (or any target, when null)
     * and whose writer is provably dead ({@link #writerIsDead}); what a killed writer left behind.
     *
     * @return how many were deleted
     */
    int cleanDeadTemporaries(Path dirPath, String targetName) throws IOException {
        if (!fs.exists(dirPath)) {
            return 0;
        }
        int deleted = 0;
        for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(dirPath)) {
            String n = s.getPath().getName();
            if (s.isFile() && (targetName == null || n.startsWith(TEMP_PREFIX + targetName + "."))
                    && writerIsDead(n) && fs.delete(s.getPath(), false)) {
                deleted++;
            }
        }
        return deleted;
    }

    /** Whether a file name is one of ours in progress (or left behind by a killed writer). */
    static boolean isTemporary(String name) {
        return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
    }

    /** Whether readers skip a file name: Hadoop's convention for hidden and bookkeeping files. */
    static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    /**
     * Publishes {@code tmp} as {@code target} unless {@code target} exists. On the local disk a hard
     * link followed by an unlink makes the check and the publication one atomic step: link(2) fails
     * with EEXIST where rename(2) would silently replace (POSIX.1-2017, link and rename). On HDFS
     * {@link FileSystem#rename} already refuses to replace an existing file, atomically on the NameNode.
     *
     * @return false when {@code target} already exists, or the file system refused the rename (tmp is left in place)
     */
    boolean publishNoReplace(Path tmp, Path target) throws IOException {
        if (fs instanceof RawLocalFileSystem) {
            java.nio.file.Path src = java.nio.file.Path.of(tmp.toUri());
            java.nio.file.Path dst = java.nio.file.Path.of(target.toUri());
            try {
                Files.createLink(dst, src);
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException e) {
                // No hard links on this file system: fall back to a rename that checks first.
                try {
                    Files.move(src, dst);
                    return true;
                } catch (FileAlreadyExistsException e2) {
                    return false;
                }
            }
            Files.delete(src);
            return true;
        }
        if (fs.exists(target)) {
            return false;
        }
        return fs.rename(tmp, target);
    }

    /**
     * Publishes {@code tmp} as {@code target}, replacing it. Atomic on the local disk (rename(2));
     * elsewhere the old file is deleted first, so a reader may briefly find no file but never a
     * partial one.
     */
    void publishReplace(Path tmp, Path target) throws IOException {
        if (fs instanceof RawLocalFileSystem) {
            Files.move(java.nio.file.Path.of(tmp.toUri()), java.nio.file.Path.of(target.toUri()),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        if (fs.exists(target) && !fs.delete(target, false)) {
            throw new IOException("cannot replace " + target);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("rename of " + tmp.getName() + " to " + target + " failed");
        }
    }

    /** Deletes a file, quietly: used on paths that are already failing, where the first error matters. */
    void deleteQuietly(Path p) {
        try {
            fs.delete(p, false);
        } catch (IOException | RuntimeException e) {
            // The caller is already reporting a failure; a leftover temp file is ignored by readers.
        }
    }

    /**
     * A Parquet output file on this file system that refuses to replace an existing file. On the local
     * disk it is created through java.nio, whose open(2) applies the process's umask as every other
     * output of the tools does (Hadoop's local file system applies its own {@code fs.permissions.umask-mode},
     * 022 by default, whatever the process's umask).
     */
    OutputFile outputFile(Path p) {
        return new OutputFile() {
            @Override
            public PositionOutputStream create(long blockSizeHint) throws IOException {
                return open(false);
            }

            @Override
            public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
                return open(true);
            }

            private PositionOutputStream open(boolean overwrite) throws IOException {
                if (fs instanceof RawLocalFileSystem) {
                    java.nio.file.Path local = java.nio.file.Path.of(p.toUri());
                    Files.createDirectories(local.getParent());
                    return new LocalPositionOutputStream(Files.newOutputStream(local, overwrite
                            ? new java.nio.file.OpenOption[]{java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE}
                            : new java.nio.file.OpenOption[]{java.nio.file.StandardOpenOption.CREATE_NEW,
                                java.nio.file.StandardOpenOption.WRITE}));
                }
                return HadoopStreams.wrap(fs.create(p, overwrite));
            }

            @Override
            public boolean supportsBlockSize() {
                return false;
            }

            @Override
            public long defaultBlockSize() {
                return fs.getDefaultBlockSize(p);
            }

            @Override
            public String getPath() {
                return p.toString();
            }
        };
    }

    /** A buffered local output stream that counts its position, for Parquet's writer. */
    private static final class LocalPositionOutputStream extends PositionOutputStream {
        private final java.io.OutputStream out;
        private long pos;

        LocalPositionOutputStream(java.io.OutputStream out) {
            this.out = new java.io.BufferedOutputStream(out, 1 << 16);
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            pos++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            pos += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** A Parquet input file on this file system. */
    InputFile inputFile(Path p) throws IOException {
        long length = fs.getFileStatus(p).getLen();
        return new InputFile() {
            @Override
            public long getLength() {
                return length;
            }

            @Override
            public SeekableInputStream newStream() throws IOException {
                return HadoopStreams.wrap(fs.open(p));
            }

            @Override
            public String toString() {
                return p.toString();
            }
        };
    }

    /** An unchecked I/O failure whose one-line message says what failed and where. */
    static UncheckedIOException failure(String what, Object where, IOException e) {
        return new UncheckedIOException(what + " " + where + ": " + oneLine(e), e);
    }

    /** The first line of an exception's message (Hadoop's can span several), or its class name. */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }
}
