package dev.exporter.transfer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where an archive named by {@code -o} is written. A regular file (or a new one) appears atomically and only when
 * complete ({@link AtomicOutputFile}), and may be written in place; anything else that exists - a device such as
 * {@code /dev/null} or {@code /dev/full}, a FIFO, {@code /dev/stdout} - is written straight through, front to back,
 * and never replaced (a rename would put a regular file where the device was). A folder is refused before anything
 * is downloaded.
 */
public final class OutputFile implements AutoCloseable {

    private final AtomicOutputFile atomic;
    private final FileChannel passThrough;
    private final ArchiveOutput output;

    private OutputFile(AtomicOutputFile atomic, FileChannel passThrough) {
        this.atomic = atomic;
        this.passThrough = passThrough;
        this.output = atomic != null ? ArchiveOutput.file(atomic.channel(), atomic.temporaryPath())
                : ArchiveOutput.stream(passThrough);
    }

    public static OutputFile open(Path target) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IOException("is a folder; name a file to write (or use --format oci-dir for a layout folder)");
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            // Follows links on purpose: /dev/stdout is a link to the process's own descriptor.
            return new OutputFile(null, FileChannel.open(target, StandardOpenOption.WRITE));
        }
        if (Files.isSymbolicLink(target) && !Files.exists(target)) {
            throw new IOException("is a dangling symbolic link");
        }
        return new OutputFile(new AtomicOutputFile(target), null);
    }

    /** Whether the target is written straight through (not a regular file). */
    public static boolean isPassThrough(Path target) {
        return Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target);
    }

    public ArchiveOutput output() {
        return output;
    }

    /** Makes the output visible: renames a regular file into place, flushes a device or FIFO. */
    public void commit() throws IOException {
        if (atomic != null) {
            atomic.commit();
        } else {
            passThrough.close();
        }
    }

    @Override
    public void close() throws IOException {
        if (atomic != null) {
            atomic.close();
        } else {
            passThrough.close();
        }
    }
}
