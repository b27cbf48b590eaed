package dev.exporter.docker;

import dev.exporter.image.Descriptor;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.Futures;
import dev.exporter.transfer.LayerUnpacker;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Tells each layer's uncompressed size before the archive is laid out, so it can hold holes of the exact size: an
 * uncompressed layer's size is its blob's; a small compressed layer is fetched whole at once (one request, the round
 * trip a trailer read would cost anyway) and measured from its stored bytes, which later fill its hole; a larger
 * gzip layer's trailer ends in its size modulo 2^32 (one 4-byte range request, or the cache). A guess that turns out
 * wrong is caught while unpacking ({@link LayerUnpacker.SizeMismatch}), and the archive is then written the slow way.
 */
final class LayerSizes {

    private LayerSizes() {
    }

    /**
     * Which compressed layers are fetched whole up front instead of having their trailer read.
     *
     * @param perBlob the largest blob fetched so: about what a connection carries in one round trip, so fetching it
     *                whole costs little more than the trailer read it replaces
     * @param spill   how many bytes of such blobs in all may wait in the run's work folder for their holes (without a
     *                cache; with one they go into the cache as they would anyway); past it, trailers are read
     */
    record SmallLayers(long perBlob, long spill) {
        /** 1 MiB: 20 MB/s over a 50 ms round trip; at most 64 MiB waiting. */
        static final SmallLayers DEFAULT = new SmallLayers(1024 * 1024, 64L * 1024 * 1024);

        SmallLayers {
            if (perBlob < 0 || spill < 0) {
                throw new IllegalArgumentException("small-layer limits must not be negative, got " + perBlob + " and " + spill);
            }
        }
    }

    /**
     * Each layer blob's uncompressed size by blob digest; null when some size cannot be told. Small layers are
     * fetched through {@code fetcher} (into its store), so its later fetch or download of them finds them there.
     *
     * @param cached whether the fetcher's store is the shared cache (no spill limit) rather than the work folder
     */
    static Map<Digest, Long> predict(Map<Digest, LayerSource> sources, BlobFetcher fetcher, SmallLayers small,
                                     boolean cached) throws IOException {
        Map<Digest, CompletableFuture<Long>> sizes = new LinkedHashMap<>();
        List<LayerSource> fetchedWhole = new ArrayList<>();
        long spilled = 0;
        for (LayerSource source : sources.values()) {
            Descriptor blob = source.blob();
            if (sizes.containsKey(blob.digest())) {
                return null; // one blob for two diff ids: the config is wrong, and the slow path says so
            }
            if (MediaTypes.isUncompressedLayer(blob.mediaType())) {
                sizes.put(blob.digest(), CompletableFuture.completedFuture(blob.size()));
            } else if (blob.size() <= small.perBlob() && (cached || spilled + blob.size() <= small.spill())) {
                spilled += cached ? 0 : blob.size();
                sizes.put(blob.digest(), null);
                fetchedWhole.add(source);
            } else if (MediaTypes.isGzipLayer(blob.mediaType())) {
                sizes.put(blob.digest(), fetcher.tail(source.image().reference(), blob, 4)
                        .thenApply(tail -> LayerUnpacker.plausibleGzipSize(tail, blob))
                        .exceptionally(e -> -1L));
            } else {
                return null;
            }
        }
        // Queued after the trailer reads, which are quick, so the large layers' sizes are not kept waiting.
        for (LayerSource source : fetchedWhole) {
            Descriptor blob = source.blob();
            sizes.put(blob.digest(), fetcher.fetch(source.image().reference(), blob)
                    .thenCompose(stored -> fetcher.tail(source.image().reference(), blob, 4)
                            .thenApply(tail -> measure(stored, tail, blob))));
        }
        Map<Digest, Long> known = new HashMap<>();
        for (Map.Entry<Digest, CompletableFuture<Long>> e : sizes.entrySet()) {
            long size;
            try {
                size = e.getValue().join();
            } catch (CompletionException | CancellationException failure) {
                throw Futures.rethrow(failure); // a small layer that could not be downloaded: the export's failure
            }
            if (size < 0) {
                return null;
            }
            known.put(e.getKey(), size);
        }
        return known;
    }

    /**
     * The uncompressed size of a stored, verified layer blob: its gzip trailer's ({@code tail}, read from the
     * store) when plausible, else counted by decompressing it; -1 when it does not decompress (the unpack then
     * reports why).
     */
    private static long measure(Path stored, byte[] tail, Descriptor blob) {
        long size = MediaTypes.isGzipLayer(blob.mediaType()) ? LayerUnpacker.plausibleGzipSize(tail, blob) : -1;
        if (size >= 0) {
            return size;
        }
        try (InputStream in = LayerUnpacker.decompressed(new BufferedInputStream(Files.newInputStream(stored)))) {
            return in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            return -1;
        }
    }
}
