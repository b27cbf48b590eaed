package dev.exporter.image;

import dev.exporter.reference.Digest;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An export resolved once, before anything is written: the images (manifests kept, blobs to fetch, names to
 * write), the referrers found for them (signatures, SBOMs; empty unless asked for) and where their blobs are read
 * from. Every sink consumes one.
 */
public record ExportPlan(List<ResolvedImage> images, List<Referrer> referrers, BlobSource source) {

    public ExportPlan {
        images = List.copyOf(images);
        referrers = List.copyOf(referrers);
    }

    public ExportPlan(List<ResolvedImage> images, BlobSource source) {
        this(images, List.of(), source);
    }

    /** The same plan with {@code found} as its referrers. */
    public ExportPlan withReferrers(List<Referrer> found) {
        return new ExportPlan(images, found, source);
    }

    /** The configs and layers of every referrer manifest, each once. */
    public List<Descriptor> referrerBlobs() {
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        referrers.forEach(referrer -> referrer.blobs().forEach(blob -> blobs.putIfAbsent(blob.digest(), blob)));
        return List.copyOf(blobs.values());
    }

    /** Bytes of configs and layers the plan carries (referrers' included), each blob counted once. */
    public long contentBytes() {
        Map<Digest, Long> sizes = new HashMap<>();
        images.forEach(image -> image.blobs().forEach(blob -> sizes.put(blob.digest(), blob.size())));
        referrerBlobs().forEach(blob -> sizes.put(blob.digest(), blob.size()));
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
