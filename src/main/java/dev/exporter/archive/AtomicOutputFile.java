package dev.exporter.archive;

import dev.exporter.transfer.TempPaths;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An output file that appears only when complete: bytes go to a hidden temporary file beside the target, which
 * {@link #commit()} renames into place. Closing without committing deletes the temporary file.
 */
public final class AtomicOutputFile implements AutoCloseable {

    private final Path target;
    private final Path temp;
    private final OutputStream out;
    private boolean committed;

    public AtomicOutputFile(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        Path parent = this.target.getParent();
        Files.createDirectories(parent);
        this.temp = TempPaths.register(Files.createTempFile(parent, "." + this.target.getFileName() + ".", ".tmp"));
        this.out = new BufferedOutputStream(Files.newOutputStream(temp), 1024 * 1024);
    }

    public OutputStream stream() {
        return out;
    }

    /** Flushes, syncs and renames the file into place. */
    public void commit() throws IOException {
        out.close();
        try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        TempPaths.release(temp);
        committed = true;
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the temporary file is deleted next; a close failure changes nothing
            }
            TempPaths.delete(temp);
        }
    }
}
