package dev.exporter.transfer;

import dev.exporter.tar.Compression;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where an archive named by {@code -o} is written. A regular file (or a new one) appears atomically and only when
 * complete ({@link AtomicOutputFile}), and may be written in place; a symbolic link to one stays, and the file it
 * leads to is replaced. Anything else that exists - a device such as {@code /dev/null} or {@code /dev/full}, a
 * FIFO, {@code /dev/stdout} (also when it leads to a regular file) - is written straight through, front to back,
 * and never replaced (a rename would put a regular file where the device or the system's link was).
 * A folder is refused before anything is downloaded. A name ending in {@code .tar.gz}/{@code .tgz} or
 * {@code .tar.zst} can have the whole archive compressed on its way out.
 */
public final class OutputFile implements AutoCloseable {

    private final AtomicOutputFile atomic;
    private final FileChannel passThrough;
    /** The compressor everything is written through, or null for a plain archive. */
    private final OutputStream compressor;
    private final ArchiveOutput output;

    private OutputFile(AtomicOutputFile atomic, FileChannel passThrough, Compression compression) throws IOException {
        this.atomic = atomic;
        this.passThrough = passThrough;
        FileChannel channel = atomic != null ? atomic.channel() : passThrough;
        if (compression != Compression.NONE) {
            compressor = compression.compress(Channels.newOutputStream(channel), Runtime.getRuntime().availableProcessors());
            output = ArchiveOutput.stream(Channels.newChannel(compressor));
        } else {
            compressor = null;
            output = atomic != null ? ArchiveOutput.file(channel, atomic.temporaryPath()) : ArchiveOutput.stream(channel);
        }
    }

    /** A plain archive at {@code target}. */
    public static OutputFile open(Path target) throws IOException {
        return open(target, Compression.NONE);
    }

    /** An archive at {@code target}, compressed as a whole with {@code compression} (streamed, never in place). */
    public static OutputFile open(Path target, Compression compression) throws IOException {
        refuseFolder(target);
        if (isPassThrough(target)) {
            // Follows links on purpose: /dev/stdout is a link to the process's own descriptor.
            return new OutputFile(null, FileChannel.open(target, StandardOpenOption.WRITE), compression);
        }
        if (Files.isSymbolicLink(target) && !Files.exists(target)) {
            throw new IOException("is a dangling symbolic link");
        }
        // A link to a regular file stays a link: the file it leads to is what gets replaced.
        AtomicOutputFile atomic = new AtomicOutputFile(Files.isRegularFile(target) ? target.toRealPath() : target);
        try {
            return new OutputFile(atomic, null, compression);
        } catch (IOException | RuntimeException e) {
            atomic.close();
            throw e;
        }
    }

    /** Fails for a target that is a folder: to be asked before anything is downloaded. */
    public static void refuseFolder(Path target) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IOException("is a folder; name a file to write (or use --format oci-dir for a layout folder)");
        }
    }

    /**
     * Whether the target is written straight through: it exists and is no regular file, or it is a name the system
     * provides ({@code /dev/stdout}, {@code /proc/self/fd/1}), which may lead to the file a shell redirected standard
     * output to: written through, as with {@code -o -}, never renamed over.
     */
    public static boolean isPassThrough(Path target) {
        if (!Files.exists(target) || Files.isDirectory(target)) {
            return false;
        }
        Path absolute = target.toAbsolutePath().normalize();
        return !Files.isRegularFile(target) || absolute.startsWith("/dev") || absolute.startsWith("/proc");
    }

    /**
     * Whether {@link #open(Path, Compression)} with the compression {@code target}'s name asks for gives an output a
     * sink can write at offsets ({@link ArchiveOutput#file}): a plain archive in a regular file.
     */
    public static boolean writesInPlace(Path target) {
        return Compression.forName(target.getFileName().toString()) == Compression.NONE && !isPassThrough(target);
    }

    public ArchiveOutput output() {
        return output;
    }

    /** Makes the output visible: renames a regular file into place, flushes a device or FIFO. */
    public void commit() throws IOException {
        if (compressor != null) {
            compressor.close();
        }
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
