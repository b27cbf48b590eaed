package dev.exporter.image;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A manifest (or index) that refers to an exported one, kept beside it: a cosign signature, attestation or SBOM, an
 * artifact with a {@code subject}, the {@code sha256-<hex>} index that lists such artifacts on registries without
 * the referrers API. Stored byte for byte, so its digest survives.
 *
 * @param reference where it was found: its tag ({@code host/app:sha256-<hex>.sig}) when {@link Found#TAG}, else its
 *                  digest in the repository ({@code host/app@sha256:...})
 * @param document  the manifest or index as the registry served it
 * @param subject   the digest of the manifest it was found for
 */
public record Referrer(ImageReference reference, ManifestDocument document, Digest subject, Found found) {

    /** How a referrer was found, which says how a layout names it. */
    public enum Found {
        /** Under a tag (cosign's {@code .sig}, {@code .att}, {@code .sbom}, or the {@code sha256-<hex>} fallback index). */
        TAG,
        /** Only through the referrers API: no tag names it, so a layout records its subject. */
        REFERRERS_API,
        /** As an entry of another referrer index (the fallback tag's), which names it. */
        LISTED
    }

    /** The config and layers of a manifest, each once; an index has none of its own. */
    public List<Descriptor> blobs() {
        if (!(document instanceof ImageManifest manifest)) {
            return List.of();
        }
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        blobs.put(manifest.config().digest(), manifest.config());
        manifest.layers().forEach(layer -> blobs.putIfAbsent(layer.digest(), layer));
        return new ArrayList<>(blobs.values());
    }
}
