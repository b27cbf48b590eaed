package dev.exporter.transfer;


import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An output file that appears only when complete: bytes go to a hidden temporary file beside the target, which
 * {@link #commit()} renames into place. Closing without committing deletes the temporary file. Write through
 * either {@link #channel()} (for zero-copy transfers) or {@link #stream()}, not both.
 */
public final class AtomicOutputFile implements AutoCloseable {

    private final Path target;
    private final Path temp;
    /** The topmost folder this file created on the way to the target, removed again if nothing is committed. */
    private final Path createdFolder;
    private final RunClaims.Claim claim;
    private final FileChannel channel;
    private OutputStream stream;
    private boolean committed;

    public AtomicOutputFile(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        Path parent = this.target.getParent();
        Path missing = null;
        for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        this.createdFolder = missing;
        Files.createDirectories(parent);
        this.claim = RunClaims.claim(parent);
        this.temp = TempPaths.register(Files.createTempFile(parent, "." + this.target.getFileName() + "."
                + RunClaims.RUN + ".", ".tmp"));
        // Temporary files are created owner-only; an archive is not a secret, so give it the usual rw-r--r--.
        try {
            Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) {
            // other file systems keep their defaults
        }
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    public FileChannel channel() {
        return channel;
    }

    /** The hidden file being written, for writers that open channels of their own into it. */
    public Path temporaryPath() {
        return temp;
    }

    public OutputStream stream() {
        if (stream == null) {
            stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1024 * 1024);
        }
        return stream;
    }

    /**
     * Closes and renames the file into place. There is no fsync: like docker save and skopeo we leave durability to
     * the file system, and the rename still guarantees that no reader ever sees a partial file.
     */
    public void commit() throws IOException {
        if (stream != null) {
            stream.close();
        }
        channel.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        TempPaths.release(temp);
        committed = true;
        claim.close();
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the temporary file is deleted next; a close failure changes nothing
            }
            TempPaths.delete(temp);
            claim.close();
            removeCreatedFolders();
        }
    }

    /** Removes the folders made for the target, deepest first, as far as they are empty. */
    private void removeCreatedFolders() {
        if (createdFolder == null) {
            return;
        }
        for (Path p = target.getParent(); p != null && p.startsWith(createdFolder); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException notEmpty) {
                return;
            }
        }
    }
}
