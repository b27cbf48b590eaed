package dev.exporter.export;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ManifestDocument;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.ResolvedImage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One reference as an OCI layout keeps it.
 *
 * @param root      what the layout's {@code index.json} names: the registry's index (all platforms), a subset
 *                  index, or a single platform's manifest
 * @param manifests every image manifest under {@code root} whose blobs are stored
 * @param primary   the image {@code manifest.json} offers to {@code docker load}
 */
public record OciImage(ImageReference reference, ManifestDocument root, List<ImageManifest> manifests,
                       ResolvedImage primary) {

    public OciImage {
        manifests = List.copyOf(manifests);
    }

    /** Configs and layers of every kept manifest, each once. */
    public List<Descriptor> blobs() {
        Map<dev.exporter.reference.Digest, Descriptor> blobs = new LinkedHashMap<>();
        for (ImageManifest manifest : manifests) {
            blobs.putIfAbsent(manifest.config().digest(), manifest.config());
            manifest.layers().forEach(layer -> blobs.putIfAbsent(layer.digest(), layer));
        }
        return List.copyOf(blobs.values());
    }
}
