package dev.exporter.image;

import dev.exporter.reference.Digest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An export resolved once, before anything is written: the images (manifests kept, blobs to fetch, names to
 * write) and where their blobs are read from. Every sink consumes one.
 */
public record ExportPlan(List<ResolvedImage> images, BlobSource source) {

    public ExportPlan {
        images = List.copyOf(images);
    }

    /** Bytes of configs and layers the plan carries, each blob counted once. */
    public long contentBytes() {
        Map<Digest, Long> sizes = new HashMap<>();
        images.forEach(image -> image.blobs().forEach(blob -> sizes.put(blob.digest(), blob.size())));
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
