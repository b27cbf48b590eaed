package dev.exporter.registry;

import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.reference.ImageReference;

/**
 * An image as found in a registry: what the reference points at (an index, or the manifest itself) and the
 * chosen platform's manifest and config.
 *
 * @param index null when the reference names a single-platform manifest
 */
public record ResolvedImage(ImageReference reference, ImageIndex index, ImageManifest manifest, ImageConfig config) {

    /** The digest the reference resolves to: the index's when there is one. */
    public dev.exporter.reference.Digest digest() {
        return index != null ? index.digest() : manifest.digest();
    }
}
