package dev.exporter.transfer;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files and folders of the running export. They are deleted when their owner closes them, and by
 * {@link #deleteAll()} if the process is interrupted first (the CLI calls it from a shutdown hook), so neither a
 * failure nor Ctrl-C leaves anything behind.
 */
public final class TempPaths {

    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    private TempPaths() {
    }

    public static Path register(Path path) {
        LIVE.add(path);
        return path;
    }

    /** Deletes {@code path} (recursively) and forgets it. */
    public static void delete(Path path) {
        LIVE.remove(path);
        deleteRecursively(path);
        RunClaims.Claim claim = CLAIMS.remove(path);
        if (claim != null) {
            claim.close();
        }
    }

    /** Forgets {@code path} without deleting it (it became a real output). */
    public static void release(Path path) {
        LIVE.remove(path);
    }

    /**
     * Deletes every registered path. Downloads may still be writing while this runs (from a shutdown hook), so a
     * folder that gained new entries during the walk is deleted again, a bounded number of times.
     */
    public static void deleteAll() {
        for (Path path : Set.copyOf(LIVE)) {
            LIVE.remove(path);
            for (int pass = 0; pass < 5 && Files.exists(path, LinkOption.NOFOLLOW_LINKS); pass++) {
                deleteRecursively(path);
            }
        }
    }

    /**
     * A new temporary folder inside {@code parent}, named for this run ({@link RunClaims}), registered for cleanup;
     * {@link #delete} removes it and lets go of the parent.
     */
    public static Path createDirectory(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        RunClaims.Claim claim = RunClaims.claim(parent);
        try {
            Path dir = register(Files.createTempDirectory(parent, prefix + RunClaims.RUN + "-"));
            CLAIMS.put(dir, claim);
            return dir;
        } catch (IOException | RuntimeException e) {
            claim.close();
            throw e;
        }
    }

    private static final java.util.Map<Path, RunClaims.Claim> CLAIMS = new ConcurrentHashMap<>();

    /** Deletes {@code path} (recursively, without following links), quietly. */
    static void deleteRecursively(Path path) {
        try {
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(path);
                return;
            }
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException ignored) {
            // best effort: cleanup must never mask the failure that triggered it
        }
    }
}
