package io.accessplan.datasets;

import io.accessplan.datasets.DatasetSchema.Column;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dataset directory of Parquet part files, on any Hadoop file system ({@code file:},
 * {@code hdfs:}, ...). Every part has the columns of {@link DatasetSchema} and the caller's
 * provenance in its footer.
 *
 * <p>Parts are published atomically: a {@link PartWriter} writes to a hidden temporary file in the
 * same directory and {@link PartWriter#commit()} renames it into place, so a reader (this class,
 * DuckDB's {@code *.parquet} glob, Spark, pyarrow) sees a part whole or not at all, even after the
 * writer was killed. This is the commit protocol of Hadoop's FileOutputCommitter reduced to one
 * file per task (Apache Hadoop, {@code FileOutputCommitter}, "_temporary" directories).
 *
 * <p>A {@code ParquetDataset} is immutable and safe to share between threads; each
 * {@link PartWriter} belongs to one thread. Several writers, in one process or many, may add
 * parts of different names to the same directory at once.
 */
public final class ParquetDataset {

    /** Suffix every committed part file name must have. */
    public static final String PART_SUFFIX = ".parquet";

    private final Location dir;
    private final Configuration conf;

    private ParquetDataset(Location dir, Configuration conf) {
        this.dir = dir;
        this.conf = conf;
    }

    /** Opens a dataset at a local path or Hadoop URI with the default Hadoop configuration. */
    public static ParquetDataset open(String dirOrUri) {
        return open(dirOrUri, new Configuration());
    }

    /**
     * Opens a dataset at a local path or Hadoop URI. Nothing is read or created yet.
     *
     * @throws IllegalArgumentException naming the location where it is malformed or its file system unknown
     */
    public static ParquetDataset open(String dirOrUri, Configuration conf) {
        return new ParquetDataset(Location.resolve(dirOrUri, conf), conf);
    }

    /** The fully qualified location of the dataset directory. */
    public String uri() {
        return dir.path().toString();
    }

    /** Whether the dataset directory exists. */
    public boolean exists() {
        try {
            return dir.fs().getFileStatus(dir.path()).isDirectory();
        } catch (FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw Location.failure("Cannot reach dataset", dir.path(), e);
        }
    }

    /**
     * Starts a new part. Creates the directory where it is missing; the part becomes visible only
     * on {@link PartWriter#commit()}.
     *
     * @param partName       file name of the part, ending in {@value #PART_SUFFIX}, e.g. {@code part-00017.parquet}
     * @param footerMetadata provenance for the footer (backend, devices, seed, preset, tool version, git commit, ...);
     *                       {@value DatasetSchema#SCHEMA_VERSION_KEY} is added
     * @throws IllegalArgumentException where the name is invalid or the metadata has a null or reserved entry
     * @throws IllegalStateException    where a part of that name is already committed
     */
    public PartWriter newPart(String partName, Map<String, String> footerMetadata) {
        checkPartName(partName);
        Map<String, String> footer = footerWithVersion(footerMetadata);
        Path target = dir.child(partName);
        try {
            if (dir.fs().exists(target)) {
                throw new IllegalStateException("Part already exists: " + target);
            }
            dir.fs().mkdirs(dir.path());
            dir.cleanDeadTemporaries(dir.path(), partName);
        } catch (IOException e) {
            throw Location.failure("Cannot write dataset", dir.path(), e);
        }
        return new GroupPartWriter(target, footer);
    }

    /** The committed part file names, sorted; temporary and hidden files are not parts. */
    public List<String> parts() {
        FileStatus[] statuses;
        try {
            statuses = dir.fs().listStatus(dir.path());
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("No dataset at " + dir.path() + " (directory not found)", e);
        } catch (IOException e) {
            throw Location.failure("Cannot list dataset", dir.path(), e);
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : statuses) {
            String name = s.getPath().getName();
            if (s.isFile() && !Location.isHidden(name) && name.endsWith(PART_SUFFIX)) {
                names.add(name);
            }
        }
        names.sort(null);
        return List.copyOf(names);
    }

    /**
     * Every row of every committed part, parts in name order, rows in file order.
     *
     * @throws DamagedPartException naming the first part that is damaged (see {@link #readPart})
     */
    public List<DatasetRow> readAll() {
        List<DatasetRow> rows = new ArrayList<>();
        for (String part : parts()) {
            rows.addAll(readPart(part));
        }
        return rows;
    }

    /** The rows of the parts that read whole, and the damage of each part that did not. */
    public record Read(List<DatasetRow> rows, List<DamagedPartException> skipped) {
        /** Copies the lists. */
        public Read {
            rows = List.copyOf(rows);
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * Every row of every part that reads whole; a damaged part is left out whole (none of its rows
     * are used) and reported in {@link Read#skipped()}.
     */
    public Read readAllSkippingDamaged() {
        List<DatasetRow> rows = new ArrayList<>();
        List<DamagedPartException> skipped = new ArrayList<>();
        for (String part : parts()) {
            try {
                rows.addAll(readPart(part));
            } catch (DamagedPartException e) {
                skipped.add(e);
            }
        }
        return new Read(rows, skipped);
    }

    /**
     * Every row of one part, in file order. The part's page checksums (CRC-32 of each page, written
     * by this writer; parts written before there were any carry none, and read unverified) are
     * verified, and every row's values are checked against {@link DatasetSchema}'s bounds.
     *
     * @throws DamagedPartException where the part is empty, truncated, not Parquet, fails a page
     *                              checksum, does not decode, or holds a value out of bounds
     */
    public List<DatasetRow> readPart(String partName) {
        checkPartName(partName);
        Path p = dir.child(partName);
        try {
            return decodePart(p);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("No part " + partName + " in dataset " + dir.path(), e);
        } catch (DamagedPartException e) {
            throw e;
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // A decoder fed damaged bytes fails in many ways (a CRC mismatch, a Thrift or Snappy error,
            // an index or size out of range, a huge allocation from a damaged length); all mean the same.
            if (e instanceof IOException io && !damageOf(io)) {
                throw Location.failure("Cannot read part", p, io);
            }
            throw new DamagedPartException(p.toString(), Location.oneLine(e), e);
        }
    }

    /** Whether an I/O failure of a reader is the file's content (damage) rather than the file system. */
    private static boolean damageOf(IOException e) {
        String cls = e.getClass().getName();
        return !(e instanceof java.net.SocketException || e instanceof java.nio.channels.ClosedChannelException
                || cls.startsWith("org.apache.hadoop.ipc") || cls.contains("AccessControl")
                || e instanceof java.nio.file.AccessDeniedException);
    }

    /** Reading options of every part: page checksums verified where the writer wrote them. */
    static org.apache.parquet.ParquetReadOptions readOptions() {
        return org.apache.parquet.ParquetReadOptions.builder().usePageChecksumVerification(true).build();
    }

    private List<DatasetRow> decodePart(Path p) throws IOException {
        List<DatasetRow> rows = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(dir.inputFile(p), readOptions())) {
            MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
            Map<Column, Integer> index = columnIndex(fileSchema, partVersion(reader, p), p);
            checkRowCounts(reader.getFooter().getBlocks(), p);
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(fileSchema);
            PageReadStore pages;
            long rowNumber = 0;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(fileSchema));
                for (long i = 0; i < pages.getRowCount(); i++, rowNumber++) {
                    Group g = records.read();
                    try {
                        DatasetRow row = DatasetSchema.toRow(c -> {
                            Integer field = index.get(c);
                            return field == null ? null : value(g, field, c);   // a column newer than the part
                        });
                        DatasetSchema.checkValues(row);
                        rows.add(row);
                    } catch (RuntimeException e) {
                        throw new DamagedPartException(p.toString(), "invalid row " + rowNumber + ": "
                                + Location.oneLine(e), e);
                    }
                }
            }
        }
        return rows;
    }

    /** The key-value footer metadata of a part: the writer's provenance and {@value DatasetSchema#SCHEMA_VERSION_KEY}. */
    public Map<String, String> footer(String partName) {
        checkPartName(partName);
        Path p = dir.child(partName);
        try (ParquetFileReader reader = ParquetFileReader.open(dir.inputFile(p), readOptions())) {
            return Map.copyOf(reader.getFooter().getFileMetaData().getKeyValueMetaData());
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("No part " + partName + " in dataset " + dir.path(), e);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            if (e instanceof IOException io && !damageOf(io)) {
                throw Location.failure("Cannot read footer of part", p, io);
            }
            throw new DamagedPartException(p.toString(), "footer: " + Location.oneLine(e), e);
        }
    }

    /**
     * Deletes every temporary file in the dataset directory, as after a crash: call it only when
     * no other process is writing to this dataset (a collector resuming its own output, say).
     *
     * @return how many files were deleted
     */
    public int cleanTemporary() {
        return cleanTemporary(Duration.ZERO);
    }

    /**
     * Deletes the temporary files of writers that are gone: on the local disk those whose writing process
     * (named in the file name) no longer runs; on other file systems, where a writer may run on another host,
     * those not modified for a day. A writer still running keeps its file. What a resumed sweep calls.
     *
     * @return how many files were deleted
     */
    public int cleanDeadTemporaries() {
        if (!exists()) {
            return 0;
        }
        try {
            return dir.fs() instanceof org.apache.hadoop.fs.RawLocalFileSystem ? dir.cleanDeadTemporaries(dir.path(), null)
                    : cleanTemporary(Duration.ofDays(1));
        } catch (IOException e) {
            throw Location.failure("Cannot clean dataset", dir.path(), e);
        }
    }

    /**
     * Deletes temporary files left by writers that were killed before they committed or closed.
     * Readers ignore such files anyway; this only reclaims space.
     *
     * @param olderThan only files not modified for this long are deleted, so that a writer still
     *                  running in another process keeps its file ({@link Duration#ZERO} deletes all)
     * @return how many files were deleted
     */
    public int cleanTemporary(Duration olderThan) {
        if (olderThan == null || olderThan.isNegative()) {
            throw new IllegalArgumentException("Invalid olderThan: " + olderThan);
        }
        if (!exists()) {
            return 0;
        }
        long cutoff = Instant.now().minus(olderThan).toEpochMilli();
        int deleted = 0;
        try {
            for (FileStatus s : dir.fs().listStatus(dir.path())) {
                if (s.isFile() && Location.isTemporary(s.getPath().getName()) && s.getModificationTime() <= cutoff
                        && dir.fs().delete(s.getPath(), false)) {
                    deleted++;
                }
            }
        } catch (IOException e) {
            throw Location.failure("Cannot clean dataset", dir.path(), e);
        }
        return deleted;
    }

    /** The dataset and its location, for logs. */
    @Override
    public String toString() {
        return "ParquetDataset[" + dir.path() + "]";
    }

    /** Writes the rows of one part; nothing is visible until {@link #commit()}. */
    public interface PartWriter extends AutoCloseable {
        /** Appends a row. */
        void write(DatasetRow row);

        /** Finishes the file and publishes it under its part name; fails if that name was taken meanwhile. */
        void commit();

        /** Discards the part unless it was committed; never throws for a failed discard. */
        @Override
        void close();
    }

    private static void checkPartName(String partName) {
        if (partName == null || partName.isBlank() || !partName.endsWith(PART_SUFFIX)
                || partName.contains("/") || partName.contains("\\") || Location.isHidden(partName)
                || partName.equals(PART_SUFFIX)) {
            throw new IllegalArgumentException("Invalid part name: '" + partName + "' (expected a plain file name"
                    + " ending in " + PART_SUFFIX + " that does not start with '_' or '.')");
        }
    }

    private static Map<String, String> footerWithVersion(Map<String, String> footerMetadata) {
        Map<String, String> footer = new LinkedHashMap<>();
        if (footerMetadata != null) {
            footerMetadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("Invalid footer metadata entry: " + k + "=" + v + " (null)");
                }
                footer.put(k, v);
            });
        }
        String given = footer.put(DatasetSchema.SCHEMA_VERSION_KEY, DatasetSchema.VERSION);
        if (given != null && !given.equals(DatasetSchema.VERSION)) {
            throw new IllegalArgumentException("Invalid footer metadata: " + DatasetSchema.SCHEMA_VERSION_KEY + "="
                    + given + " (reserved; this writer writes " + DatasetSchema.VERSION + ")");
        }
        return footer;
    }

    /**
     * Every column of a row group holds one value per row (the dataset's columns are flat), so a row count
     * that differs from a column's value count is a damaged footer: read as is, it would silently drop rows.
     */
    private static void checkRowCounts(List<org.apache.parquet.hadoop.metadata.BlockMetaData> blocks, Path p) {
        for (int b = 0; b < blocks.size(); b++) {
            var block = blocks.get(b);
            for (var c : block.getColumns()) {
                if (c.getValueCount() != block.getRowCount()) {
                    throw new DamagedPartException(p.toString(), "row group " + b + " has " + block.getRowCount()
                            + " rows but column " + c.getPath().toDotString() + " holds " + c.getValueCount() + " values", null);
                }
            }
        }
    }

    /**
     * The schema version a part was written with, from its footer; a part with none predates the key
     * and is version 1. A version newer than this reader's is refused in one line.
     */
    private static int partVersion(ParquetFileReader reader, Path p) {
        String v = reader.getFooter().getFileMetaData().getKeyValueMetaData().get(DatasetSchema.SCHEMA_VERSION_KEY);
        if (v == null) {
            return 1;
        }
        int version;
        try {
            version = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new DamagedPartException(p.toString(), "invalid " + DatasetSchema.SCHEMA_VERSION_KEY + ": " + v, e);
        }
        if (version < 1 || version > Integer.parseInt(DatasetSchema.VERSION)) {
            throw new DamagedPartException(p.toString(), DatasetSchema.SCHEMA_VERSION_KEY + " " + v
                    + " is not one this reader reads (1 to " + DatasetSchema.VERSION + "): upgrade accessplan", null);
        }
        return version;
    }

    /**
     * Where each schema column sits in a file's schema; fails naming the columns a part lacks or mistypes.
     * A column added after the part's version is absent from the index (its values read as null).
     */
    private static Map<Column, Integer> columnIndex(MessageType fileSchema, int version, Path p) {
        Map<Column, Integer> index = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Column c : DatasetSchema.columns()) {
            if (!fileSchema.containsField(c.name())) {
                if (c.since() <= version) {
                    problems.add("missing " + c.name());
                }
                continue;
            }
            org.apache.parquet.schema.Type t = fileSchema.getType(c.name());
            if (!t.isPrimitive() || t.asPrimitiveType().getPrimitiveTypeName() != ParquetColumns.primitive(c.type())) {
                problems.add(c.name() + " is " + t + ", expected " + c.type());
                continue;
            }
            index.put(c, fileSchema.getFieldIndex(c.name()));
        }
        if (!problems.isEmpty()) {
            throw new DamagedPartException(p.toString(), "not an accessplan dataset part (" + String.join(", ", problems)
                    + ")", null);
        }
        return index;
    }

    private static Object value(Group g, Integer field, Column c) {
        if (field == null || g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        return switch (c.type()) {
            case STRING -> g.getString(field, 0);
            case INT32 -> g.getInteger(field, 0);
            case INT64 -> g.getLong(field, 0);
            case DOUBLE -> g.getDouble(field, 0);
            case BOOLEAN -> g.getBoolean(field, 0);
            case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(g.getLong(field, 0));
        };
    }

    private static void append(Group g, Column c, Object v) {
        switch (c.type()) {
            case STRING -> g.append(c.name(), (String) v);
            case INT32 -> g.append(c.name(), (Integer) v);
            case INT64 -> g.append(c.name(), (Long) v);
            case DOUBLE -> g.append(c.name(), (Double) v);
            case BOOLEAN -> g.append(c.name(), (Boolean) v);
            case TIMESTAMP_MILLIS -> g.append(c.name(), ((Instant) v).toEpochMilli());
        }
    }

    /** Writes Groups of {@link ParquetColumns#messageType()} to a temporary file, renamed on commit. */
    private final class GroupPartWriter implements PartWriter {
        private final Path target;
        private final Path tmp;
        private final SimpleGroupFactory groups = new SimpleGroupFactory(ParquetColumns.messageType());
        private ParquetWriter<Group> writer;
        private boolean finished;

        GroupPartWriter(Path target, Map<String, String> footer) {
            this.target = target;
            this.tmp = Location.temporaryFor(target);
            try {
                this.writer = ExampleParquetWriter.builder(dir.outputFile(tmp))
                        // A copy: the example write support stores the schema in the configuration it is
                        // given, and writers of other parts may run at the same time on other threads.
                        .withConf(new Configuration(conf))
                        .withType(ParquetColumns.messageType())
                        .withExtraMetaData(footer)
                        .withWriteMode(ParquetFileWriter.Mode.CREATE)
                        // Snappy: what Spark and pyarrow write by default; every Parquet reader has it.
                        .withCompressionCodec(CompressionCodecName.SNAPPY)
                        // a CRC-32 per page, verified by readPart: a flipped bit is refused, never read as data
                        .withPageWriteChecksumEnabled(true)
                        .build();
            } catch (IOException e) {
                dir.deleteQuietly(tmp);
                throw Location.failure("Cannot write part", target, e);
            }
        }

        @Override
        public void write(DatasetRow row) {
            if (finished) {
                throw new IllegalStateException("Part " + target.getName() + " is already committed or closed");
            }
            if (row == null) {
                throw new IllegalArgumentException("Invalid dataset row: null");
            }
            Group g = groups.newGroup();
            for (Column c : DatasetSchema.columns()) {
                Object v = c.valueOf(row);
                if (v != null) {
                    append(g, c, v);
                }
            }
            try {
                writer.write(g);
            } catch (IOException e) {
                throw Location.failure("Cannot write part", target, e);
            }
        }

        @Override
        public void commit() {
            if (finished) {
                throw new IllegalStateException("Part " + target.getName() + " is already committed or closed");
            }
            finished = true;
            try {
                writer.close();
                if (!dir.publishNoReplace(tmp, target)) {
                    if (!dir.fs().exists(target)) {
                        throw new IOException("rename of " + tmp.getName() + " failed");
                    }
                    dir.deleteQuietly(tmp);
                    throw new IllegalStateException("Part already exists: " + target + " (not replaced)");
                }
            } catch (IOException e) {
                dir.deleteQuietly(tmp);
                throw Location.failure("Cannot commit part", target, e);
            } catch (RuntimeException e) {
                dir.deleteQuietly(tmp);
                throw e;
            }
        }

        @Override
        public void close() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                writer.close();
            } catch (IOException | RuntimeException e) {
                // Discarding: the file is deleted below whatever state the writer left it in.
            } finally {
                dir.deleteQuietly(tmp);
            }
        }
    }
}
