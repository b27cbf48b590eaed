package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Temp-directory helpers shared by the fixtures. */
public final class TempDirs {

    private TempDirs() {
    }

    /** Creates a fresh directory under {@code /tmp} with a short name (unix socket paths are limited). */
    public static Path createShort(String prefix) {
        try {
            return Files.createTempDirectory(Path.of("/tmp"), prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes {@code root} recursively without following symlinks. Directories that are not
     * writable (dockerd's vfs layers can contain such) are made writable and retried.
     */
    public static void deleteRecursively(Path root) throws IOException {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                // Make each directory writable before its entries are deleted.
                dir.toFile().setWritable(true, true);
                dir.toFile().setExecutable(true, true);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                deleteOne(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                deleteOne(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Like {@link #deleteRecursively} but never throws; for cleanup paths. */
    public static void deleteQuietly(Path root) {
        try {
            deleteRecursively(root);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("warning: could not delete " + root + ": " + e);
        }
    }

    private static void deleteOne(Path path) throws IOException {
        try {
            Files.deleteIfExists(path);
        } catch (AccessDeniedException e) {
            path.getParent().toFile().setWritable(true, true);
            Files.deleteIfExists(path);
        }
    }
}
