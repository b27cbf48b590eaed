package dev.exporter.docker;

import dev.exporter.image.Descriptor;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.LayerUnpacker;
import dev.exporter.transfer.ProgressListener;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Tells each layer's uncompressed size before it is downloaded, so a docker archive can be laid out with holes of
 * the exact size: a gzip member's trailer ends in its size modulo 2^32 (read with one small range request, or from
 * the cache), an uncompressed layer's size is its blob's. A guess that turns out wrong is caught while unpacking
 * ({@link LayerUnpacker.SizeMismatch}), and the archive is then written the slow way.
 */
final class LayerSizes {

    private LayerSizes() {
    }

    /** Each layer blob's uncompressed size by blob digest; null when some size cannot be told. */
    static Map<Digest, Long> predict(Map<Digest, LayerSource> sources, Downloads downloads) throws IOException {
        Map<Digest, CompletableFuture<Long>> sizes = new LinkedHashMap<>();
        try (BlobFetcher fetcher = downloads.fetcher(downloads.cacheOrWork(), ProgressListener.NONE)) {
            for (LayerSource source : sources.values()) {
                Descriptor blob = source.blob();
                if (sizes.containsKey(blob.digest())) {
                    return null; // one blob for two diff ids: the config is wrong, and the slow path says so
                }
                if (MediaTypes.isGzipLayer(blob.mediaType())) {
                    sizes.put(blob.digest(), fetcher.tail(source.image().reference(), blob, 4)
                            .thenApply(tail -> LayerUnpacker.plausibleGzipSize(tail, blob))
                            .exceptionally(e -> -1L));
                } else if (MediaTypes.isUncompressedLayer(blob.mediaType())) {
                    sizes.put(blob.digest(), CompletableFuture.completedFuture(blob.size()));
                } else {
                    return null;
                }
            }
            Map<Digest, Long> known = new HashMap<>();
            for (Map.Entry<Digest, CompletableFuture<Long>> e : sizes.entrySet()) {
                long size = e.getValue().join();
                if (size < 0) {
                    return null;
                }
                known.put(e.getKey(), size);
            }
            return known;
        }
    }
}
