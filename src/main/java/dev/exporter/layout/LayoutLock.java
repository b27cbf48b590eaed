package dev.exporter.layout;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on one layout folder across processes, so that concurrent exports into it do not lose each
 * other's {@code index.json} entries (a read-modify-write). The lock is taken on the layout's own {@code oci-layout}
 * file, which is created once (complete, without ever replacing another's) and never rewritten, so no extra file is
 * left in the folder; the operating system releases the lock of a process that dies.
 */
final class LayoutLock implements AutoCloseable {

    private final FileChannel channel;

    private LayoutLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Creates {@code oci-layout} with {@code content} unless it exists, then waits for the lock on it. */
    static LayoutLock acquire(Path dir, byte[] content) throws IOException {
        Path marker = dir.resolve(OciLayoutWriter.LAYOUT_MARKER);
        if (!Files.exists(marker)) {
            // A hard link appears complete and fails if another run created the file first; a rename would replace it.
            Path temp = Files.createTempFile(dir, ".oci-layout.", ".tmp");
            try {
                Files.write(temp, content);
                try {
                    Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                } catch (UnsupportedOperationException notPosix) {
                    // other file systems keep their defaults
                }
                Files.createLink(marker, temp);
            } catch (FileAlreadyExistsException createdByAnother) {
                // theirs is as good as ours
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        FileChannel channel = FileChannel.open(marker, StandardOpenOption.WRITE);
        try {
            channel.lock();
            return new LayoutLock(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
