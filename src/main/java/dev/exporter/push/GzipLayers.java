package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageSource;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.remote.GrowingBlob;
import dev.exporter.tar.Compression;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The uncompressed layers of a docker-save archive, gzip-compressed for a registry: each is read from the source
 * (verified against its digest, which is its diff id) and compressed on all cores into a temporary file, and its
 * upload sends that file's bytes as they are written, so compressing and sending overlap. Compression is
 * deterministic: what a layer compressed to is remembered ({@link CompressedDigests}), and a later push asks the
 * registry for that digest before compressing anything. A layer shared by several images or repositories is
 * compressed once; its temporary file goes when the last push that needs it is done.
 */
final class GzipLayers implements AutoCloseable {

    /**
     * gzip level 1: on text it is about six times faster than the default level 6 and some 30% larger, on
     * incompressible data as fast and as large. Compressing is what a push of a docker archive waits for, and a
     * registry stores whatever it gets, so speed wins.
     */
    static final int LEVEL = java.util.zip.Deflater.BEST_SPEED;

    /**
     * Names the compressor's output in the digest record: the same name must mean the same bytes for the same input,
     * so it changes whenever {@link dev.exporter.tar.ParallelGzipOutputStream} or {@link #LEVEL} would change them.
     */
    static final String COMPRESSOR = "pgzip-256k-l1";

    private static final int BUFFER = 256 * 1024;

    private final ImageSource source;
    private final Path folder;
    private final int threads;
    private final PushListener listener;
    private final CompressedDigests known;
    private final Map<Digest, Growing> layers = new ConcurrentHashMap<>();
    private final ExecutorService compressors = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "exporter-compress");
        t.setDaemon(true);
        return t;
    });

    /** @param cache where what layers compressed to is remembered between runs, or null */
    GzipLayers(ImageSource source, Path folder, int threads, Path cache, PushListener listener) {
        this.source = source;
        this.folder = folder;
        this.threads = threads;
        this.listener = listener;
        this.known = CompressedDigests.in(cache, COMPRESSOR);
    }

    /** Whether a layer of a made-up manifest needs compressing before a registry takes it. */
    static boolean needed(Descriptor layer) {
        return MediaTypes.isUncompressedLayer(layer.mediaType());
    }

    /** What {@code layer} compresses to when that is known (this run compressed it, or an earlier one), else null. */
    Descriptor known(Descriptor layer) {
        Growing growing = layers.get(layer.digest());
        Descriptor done = growing == null ? null : growing.complete();
        return done != null ? done : known.get(layer.digest());
    }

    /** {@code layer} being compressed (or compressed), started now unless it already is. */
    GrowingBlob compressing(Descriptor layer, String what) {
        return layers.computeIfAbsent(layer.digest(), d -> {
            Growing growing = new Growing(folder.resolve(d.hex() + ".tar.gz"));
            compressors.execute(() -> growing.fill(layer, what));
            return growing;
        });
    }

    /** Deletes the compressed copy of {@code layer} (if any): every push that needed it is done. */
    void release(Digest layer) {
        Growing growing = layers.get(layer);
        if (growing != null && growing.complete() != null) {
            try {
                Files.deleteIfExists(growing.file);
            } catch (IOException ignored) {
                // the push's temporary folder goes at the end anyway
            }
        }
    }

    /** Stops compressions still running (a failed push) and waits for them to let go of their files. */
    @Override
    public void close() {
        compressors.shutdownNow();
        try {
            compressors.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One layer's compressed copy as it is being written: readers wait for the bytes they want. */
    private final class Growing implements GrowingBlob {
        final Path file;
        private long written;
        private Descriptor done;
        private IOException failure;

        Growing(Path file) {
            this.file = file;
        }

        /** Compresses {@code layer} into the file, telling waiting readers after every write. */
        void fill(Descriptor layer, String what) {
            MessageDigest sha256 = Digest.newSha256();
            try (InputStream in = source.open(layer);
                 FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                try (OutputStream gzip = Compression.GZIP.compress(new DigestOutputStream(new Appending(channel),
                        sha256), threads, LEVEL)) {
                    byte[] buffer = new byte[BUFFER];
                    for (int n; (n = in.read(buffer)) != -1; ) {
                        gzip.write(buffer, 0, n);
                        listener.transferred(layer, n);
                    }
                }
                Descriptor compressed = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256(sha256.digest()),
                        channel.size());
                finish(compressed, null);
                known.put(layer.digest(), compressed);
            } catch (IOException | RuntimeException e) {
                finish(null, new IOException("compress layer " + layer.digest() + " into " + file + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e));
            } catch (Error e) {
                // handed to the upload that waits for these bytes, which fails with it (on a pool thread, a thrown
                // Error would only be printed)
                finish(null, new IOException("compress layer " + layer.digest() + ": " + e, e));
            }
        }

        private synchronized void grew(int bytes) {
            written += bytes;
            notifyAll();
        }

        private synchronized void finish(Descriptor compressed, IOException failed) {
            done = compressed;
            failure = failed;
            if (failed != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // the push's temporary folder goes at the end anyway
                }
            }
            notifyAll();
        }

        @Override
        public synchronized long await(long bytes) throws IOException {
            while (written < bytes && done == null && failure == null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while " + file + " was being compressed");
                }
            }
            if (failure != null) {
                throw new IOException(failure.getMessage(), failure);
            }
            return written;
        }

        @Override
        public synchronized Descriptor complete() {
            return done;
        }

        @Override
        public InputStream open(long offset) throws IOException {
            await(offset);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            return new InputStream() {
                private long position = offset;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    long have = await(position + 1);
                    if (have <= position) {
                        return -1; // complete, and all of it read
                    }
                    int n = channel.read(ByteBuffer.wrap(buf, off, (int) Math.min(len, have - position)), position);
                    if (n < 0) {
                        throw new IOException("read back " + file + ": ended at " + position);
                    }
                    position += n;
                    return n;
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }

        /** Writes through to the file and tells readers the bytes are there. */
        private final class Appending extends OutputStream {
            private final FileChannel channel;

            Appending(FileChannel channel) {
                this.channel = channel;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                ByteBuffer bytes = ByteBuffer.wrap(buf, off, len);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                grew(len);
            }
        }
    }
}
