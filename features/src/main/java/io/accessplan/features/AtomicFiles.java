package io.accessplan.features;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Write aside, then rename: a local file is written to a sibling temporary file and renamed over
 * its target, so a reader sees the old file or the whole new one, never a half-written one, and a
 * failed write leaves the target as it was. (Datasets on any Hadoop file system publish their part
 * files through {@code io.accessplan.datasets.Location} instead.)
 */
public final class AtomicFiles {

    /** What writes the content, to the path it is given. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code file}, which does not exist yet. */
        void writeTo(Path file) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Writes {@code target} through {@code content} atomically, creating its folders. */
    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        // a sibling name (same file system, so the rename is atomic) with the default permissions
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + System.nanoTime() + ".tmp");
        try {
            content.writeTo(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code bytes} to {@code target} atomically. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, tmp -> Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW));
    }
}
