package dev.exporter.transfer;

import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * Where an archive goes. A regular {@code file} (its {@code channel} positioned at the start of the empty file) lets
 * downloads write blobs straight into their place in the archive, concurrently; a stream (standard output, a pipe)
 * is written front to back, so blobs pass through temporary files first.
 *
 * @param file the file {@code channel} writes, or null for a stream
 */
public record ArchiveOutput(WritableByteChannel channel, Path file) {

    /** An empty regular file, written through {@code channel}. */
    public static ArchiveOutput file(FileChannel channel, Path file) {
        return new ArchiveOutput(channel, file);
    }

    /** A stream that can only be written in order. */
    public static ArchiveOutput stream(WritableByteChannel channel) {
        return new ArchiveOutput(channel, null);
    }
}
