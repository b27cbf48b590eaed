package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageSource;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.remote.BlobContent;
import dev.exporter.tar.Compression;
import dev.exporter.transfer.VerifyingStream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The uncompressed layers of a docker-save archive, gzip-compressed for a registry: each is read from the source
 * (verified against its digest, which is its diff id), compressed on all cores into a temporary file while its
 * compressed digest is computed, and served from there for the upload. Compression is deterministic, so pushing
 * the same archive again yields the same digests and the registry already has them. A layer shared by several
 * images is compressed once; the first thread to ask does the work, the others wait for it.
 */
final class GzipLayers {

    /**
     * gzip level 1: on text it is about six times faster than the default level 6 and some 30% larger, on
     * incompressible data as fast and as large. Compressing is what a push of a docker archive waits for, and a
     * registry stores whatever it gets, so speed wins.
     */
    static final int LEVEL = java.util.zip.Deflater.BEST_SPEED;

    /** A layer as it is pushed: its new descriptor and where its bytes are. */
    record Compressed(Descriptor descriptor, Path file) {
    }

    private final ImageSource source;
    private final Path folder;
    private final int threads;
    private final PushListener listener;
    private final Map<Digest, CompletableFuture<Compressed>> layers = new ConcurrentHashMap<>();

    GzipLayers(ImageSource source, Path folder, int threads, PushListener listener) {
        this.source = source;
        this.folder = folder;
        this.threads = threads;
        this.listener = listener;
    }

    /** Whether a layer of a made-up manifest needs compressing before a registry takes it. */
    static boolean needed(Descriptor layer) {
        return MediaTypes.isUncompressedLayer(layer.mediaType());
    }

    /** {@code layer} compressed, compressing it now unless another thread is already doing it. */
    Compressed compressed(Descriptor layer, String what) throws IOException {
        CompletableFuture<Compressed> mine = new CompletableFuture<>();
        CompletableFuture<Compressed> known = layers.putIfAbsent(layer.digest(), mine);
        if (known == null) {
            try {
                mine.complete(compress(layer, what));
            } catch (IOException | RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            }
            return mine.join();
        }
        try {
            return known.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted");
        } catch (ExecutionException e) {
            throw new IOException(what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Deletes the compressed copy of {@code layer} (if any): every push that needed it is done. */
    void release(Digest layer) {
        CompletableFuture<Compressed> done = layers.get(layer);
        if (done != null && done.isDone() && !done.isCompletedExceptionally()) {
            try {
                Files.deleteIfExists(done.join().file());
            } catch (IOException ignored) {
                // the push's temporary folder goes at the end anyway
            }
        }
    }

    /** The bytes of a compressed layer, verified again as they are read back. */
    static BlobContent content(Compressed layer, String what) {
        return offset -> {
            InputStream in = VerifyingStream.of(Files.newInputStream(layer.file()), layer.descriptor().digest(),
                    layer.descriptor().size(), what + ": compressed copy " + layer.file());
            in.skipNBytes(offset);
            return in;
        };
    }

    private Compressed compress(Descriptor layer, String what) throws IOException {
        listener.skipped(layer, "Compressing");
        Path file = folder.resolve(layer.digest().hex() + ".tar.gz");
        MessageDigest sha256 = Digest.newSha256();
        long size;
        try (InputStream in = source.open(layer)) {
            try (OutputStream gzip = Compression.GZIP.compress(new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(file), 1 << 20), sha256), threads, LEVEL)) {
                in.transferTo(gzip);
            }
            size = Files.size(file);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw new IOException(what + ": compress layer " + layer.digest() + " into " + file + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new Compressed(Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256(sha256.digest()), size), file);
    }
}
