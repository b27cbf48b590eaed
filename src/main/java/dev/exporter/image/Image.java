package dev.exporter.image;

/**
 * One platform's image, the model every place yields and takes: its manifest (bytes, digest, config and layer
 * descriptors) and its parsed config. The blobs themselves are opened from the {@link ImageSource} that holds it.
 */
public record Image(ImageManifest manifest, ImageConfig config) {

    public Image {
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new ManifestException("image " + manifest.digest() + ": config lists " + config.diffIds().size()
                    + " diff_ids but the manifest has " + manifest.layers().size() + " layers");
        }
    }
}
