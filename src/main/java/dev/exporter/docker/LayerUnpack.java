package dev.exporter.docker;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.FileErrors;
import dev.exporter.transfer.Landing;
import dev.exporter.transfer.LayerUnpacker;
import dev.exporter.transfer.Tap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Downloading a layer and decompressing it into its {@code layer.tar} while it arrives. Without a cache the
 * compressed bytes are not kept at all: they only pass through the decompressor.
 */
final class LayerUnpack {

    private LayerUnpack() {
    }

    /** An unpacked layer: the uncompressed tar and the digest it actually has. */
    record Unpacked(Path tar, Digest diffId) {
    }

    /** Thrown when a layer turns out to have another size than its gzip trailer said. */
    static final class SizeMispredicted extends RuntimeException {
        SizeMispredicted(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Where a layer's uncompressed tar goes: a temporary file of its own, or its hole of {@code size} bytes. */
    record Target(Path file, long offset, long size) {
        static Target temporary(Path file) {
            return new Target(file, 0, -1);
        }

        Unpacked unpack(InputStream blob) throws IOException {
            return new Unpacked(file, size < 0 ? LayerUnpacker.unpack(blob, file)
                    : LayerUnpacker.unpackInto(blob, file, offset, size));
        }
    }

    /**
     * Fetches {@code layer} and unpacks it into {@code target}; {@code cached} keeps the blob in the fetcher's store.
     * Without a cache the compressed bytes only pass through the decompressor, except for a blob large enough to
     * come in parallel segments: it lands in the fetcher's store (the run's work folder) while it is unpacked, and
     * goes as soon as it is.
     */
    static CompletableFuture<Unpacked> start(BlobFetcher fetcher, boolean cached, ImageReference repository,
                                             Descriptor layer, Target target) {
        UnpackTap tap = new UnpackTap(target, layer.digest());
        boolean passing = !cached && fetcher.segments(repository, layer);
        CompletableFuture<Path> blob = cached || passing
                ? fetcher.fetch(repository, layer, tap)
                : fetcher.download(repository, layer, Landing.nowhere(), tap);
        return fetcher.then(blob, stored -> {
            try {
                return tap.result != null ? tap.result : tap.unpackStored(stored);
            } finally {
                if (passing && stored != null) {
                    try {
                        Files.deleteIfExists(stored);
                    } catch (IOException ignored) {
                        // the run's work folder goes at the end anyway
                    }
                }
            }
        });
    }

    /** Fails when layer {@code n} of {@code image} did not unpack to the config's diff id. */
    static void checkDiffId(ResolvedImage image, int n, Unpacked unpacked) {
        Digest expected = image.config().diffIds().get(n);
        if (!expected.equals(unpacked.diffId())) {
            throw new ContentException("unpack layer " + n + " (" + image.manifest().layers().get(n).digest()
                    + ") of " + image.reference() + ": uncompressed content has digest " + unpacked.diffId()
                    + " but the config's rootfs.diff_ids[" + n + "] is " + expected);
        }
    }

    /** Decompresses a layer while it downloads; leaves {@code result} null if the download was not tapped. */
    private static final class UnpackTap implements Tap {
        final Target target;
        final Digest layer;
        volatile Unpacked result;
        volatile IOException failure;

        UnpackTap(Target target, Digest layer) {
            this.target = target;
            this.layer = layer;
        }

        @Override
        public void consume(InputStream blob) throws IOException {
            failure = null;
            try {
                result = target.unpack(blob);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        /**
         * Decompresses the stored (cached or resumed) blob; a blob stored nowhere was verified, so what failed
         * was its decompression while it streamed.
         */
        Unpacked unpackStored(Path stored) {
            try {
                if (stored == null) {
                    throw failure != null ? failure : new IOException("no content");
                }
                try (InputStream in = Files.newInputStream(stored)) {
                    return target.unpack(in);
                }
            } catch (LayerUnpacker.SizeMismatch e) {
                throw new SizeMispredicted(e);
            } catch (IOException e) {
                throw new UncheckedIOException("unpack layer " + layer.hex() + ": " + FileErrors.describe(e), e);
            }
        }
    }
}
