package dev.exporter.transfer;

import dev.exporter.reference.Digest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a download's bytes land: a file of its own in a {@link BlobStore}, a region reserved for the blob inside an
 * archive being written, or nowhere (when a {@link Tap} is the only reader). A download writes through
 * {@link #open}, then {@link #commit}s once size and digest are verified, or {@link #discard}s after a final failure.
 */
public interface Landing {

    /**
     * Opens for writing from byte {@code offset} of the blob; 0 starts over, dropping what an earlier attempt wrote.
     * Only a {@link #keepsBytes() keeping} landing is ever asked for another offset.
     */
    OutputStream open(long offset) throws IOException;

    /** Whether bytes written stay readable, so a broken download can resume instead of starting over. */
    boolean keepsBytes();

    /** Makes the verified blob visible; returns its own file, or null when it has none (a region or nowhere). */
    Path commit() throws IOException;

    /** Removes what an unfinished download left, best effort. */
    void discard();

    /**
     * The file and offset the blob's bytes go to, ready for writes at any position (for a download in several
     * segments), or null when the landing keeps no file.
     */
    default Region positional() throws IOException {
        return null;
    }

    /** Bytes {@code [start, start + blob size)} of {@code file}. */
    record Region(Path file, long start) {
    }

    /**
     * A store's blob: written under a partial name of this run, renamed into place when verified. The folder is
     * claimed for the run while the partial exists, so a later run can tell a dead run's partial from a live one.
     */
    static Landing store(BlobStore store, Digest digest) {
        Path partial = store.partial(digest);
        return new Landing() {
            private RunClaims.Claim claim;

            @Override
            public OutputStream open(long offset) throws IOException {
                if (claim == null) {
                    claim = store.claim(digest);
                    TempPaths.register(partial);
                }
                return Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
            }

            @Override
            public boolean keepsBytes() {
                return true;
            }

            @Override
            public Region positional() throws IOException {
                open(0).close();
                return new Region(partial, 0);
            }

            @Override
            public Path commit() throws IOException {
                store.commit(partial, digest);
                TempPaths.release(partial);
                letGo();
                return store.path(digest);
            }

            @Override
            public void discard() {
                TempPaths.delete(partial);
                letGo();
            }

            private void letGo() {
                if (claim != null) {
                    claim.close();
                    claim = null;
                }
            }

            @Override
            public String toString() {
                return partial.toString();
            }
        };
    }

    /**
     * The bytes {@code [start, start + size)} of {@code file}, reserved for the blob by whoever writes the file. Each
     * attempt opens a channel of its own, so downloads fill their regions of one file concurrently.
     */
    static Landing region(Path file, long start) {
        return new Unstored(file.toString()) {
            @Override
            public OutputStream open(long offset) throws IOException {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
                channel.position(start + offset);
                return Channels.newOutputStream(channel);
            }

            @Override
            public boolean keepsBytes() {
                return true;
            }

            @Override
            public Region positional() {
                return new Region(file, start);
            }
        };
    }

    /** Keeps nothing: the bytes only pass through the download's {@link Tap}. */
    static Landing nowhere() {
        return new Unstored("the stream") {
            @Override
            public OutputStream open(long offset) {
                return OutputStream.nullOutputStream();
            }

            @Override
            public boolean keepsBytes() {
                return false;
            }
        };
    }

    /** A landing without a file of its own: nothing to commit, and its owner cleans up. */
    abstract class Unstored implements Landing {
        private final String name;

        Unstored(String name) {
            this.name = name;
        }

        @Override
        public Path commit() {
            return null;
        }

        @Override
        public void discard() {
            // a region is discarded with its whole file; the stream kept nothing
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
