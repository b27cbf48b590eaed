package dev.exporter.transfer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which run owns the temporaries in a folder, so that a later run can remove what a killed one left. Every
 * temporary name holds the run's id ({@link #RUN}: process id and a random part, since two containers sharing a
 * cache can have the same pid). While a run keeps temporaries in a folder it holds a lock on a marker file
 * {@code .exporter-run-ID.lock} there; the operating system drops that lock when the process dies, however it dies.
 * The first time a run claims a folder it sweeps it: the temporaries of every run whose marker it can lock are
 * deleted, with the marker.
 */
public final class RunClaims {

    /** This run's id, part of every temporary name. */
    public static final String RUN = ProcessHandle.current().pid() + "-"
            + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);

    private static final String PREFIX = ".exporter-run-";
    private static final Pattern MARKER = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]+-[0-9a-f]+)\\.lock(\\.new)?");
    private static final Map<Path, Claim> CLAIMS = new HashMap<>();
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private RunClaims() {
    }

    /** This run's hold on one folder; the marker goes when the last holder closes. */
    public static final class Claim implements AutoCloseable {
        private final Path folder;
        private final Path marker;
        private final FileChannel channel;
        private int holders;

        private Claim(Path folder, Path marker, FileChannel channel) {
            this.folder = folder;
            this.marker = marker;
            this.channel = channel;
        }

        @Override
        public void close() {
            synchronized (RunClaims.class) {
                if (--holders > 0) {
                    return;
                }
                CLAIMS.remove(folder);
            }
            TempPaths.delete(marker);
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing releases the lock either way
            }
        }
    }

    /**
     * Marks {@code folder} (which must exist) as holding this run's temporaries until the claim is closed, after
     * removing the leftovers of dead runs from it the first time.
     */
    public static Claim claim(Path folder) throws IOException {
        Path key = folder.toAbsolutePath().normalize();
        synchronized (RunClaims.class) {
            Claim claim = CLAIMS.get(key);
            if (claim == null) {
                if (SWEPT.add(key)) {
                    sweep(key);
                }
                claim = create(key);
                CLAIMS.put(key, claim);
            }
            claim.holders++;
            return claim;
        }
    }

    /** Creates the marker locked before it is visible (lock, then rename), so a visible marker is always held. */
    private static Claim create(Path folder) throws IOException {
        Path fresh = folder.resolve(PREFIX + RUN + ".lock.new");
        Path marker = folder.resolve(PREFIX + RUN + ".lock");
        TempPaths.register(fresh);
        FileChannel channel;
        try {
            channel = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileSystemException e) {
            // the folder is what the user knows (read-only, no permission), not this run's marker file in it
            TempPaths.release(fresh);
            throw new java.nio.file.FileSystemException(folder.toString(), null,
                    "cannot create files in this folder: " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()));
        }
        try {
            channel.lock();
            TempPaths.register(marker);
            Files.move(fresh, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            TempPaths.release(fresh);
        } catch (IOException | RuntimeException e) {
            channel.close();
            TempPaths.delete(fresh);
            throw e;
        }
        return new Claim(folder, marker, channel);
    }

    /** Deletes what runs that died left in {@code folder}: best effort, a sweep never fails the run. */
    private static void sweep(Path folder) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, PREFIX + "*")) {
            for (Path marker : entries) {
                Matcher m = MARKER.matcher(marker.getFileName().toString());
                if (m.matches() && !m.group(1).equals(RUN)) {
                    sweepIfDead(folder, marker, m.group(1));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // nothing to sweep, or not ours to sweep
        }
    }

    private static void sweepIfDead(Path folder, Path marker, String run) throws IOException {
        try (FileChannel channel = FileChannel.open(marker, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException ours) {
                return;
            }
            if (lock == null) {
                return; // its run is alive
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, "*" + run + "*")) {
                for (Path leftover : entries) {
                    if (!leftover.equals(marker)) {
                        TempPaths.deleteRecursively(leftover);
                    }
                }
            }
            Files.deleteIfExists(marker);
        } catch (NoSuchFileException gone) {
            // swept by another run meanwhile
        }
    }
}
