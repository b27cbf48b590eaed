package dev.exporter.registry;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.http.NetworkException;

import java.io.IOException;

/** Resolves a reference to one platform's manifest and config, following an index when the tag has one. */
public final class ImageResolver {

    /** Configs are small JSON documents; anything near this is hostile. */
    private static final long MAX_CONFIG_SIZE = 64L * 1024 * 1024;

    private final RegistryClient client;

    public ImageResolver(RegistryClient client) {
        this.client = client;
    }

    public ManifestDocument manifest(ImageReference reference) {
        return client.call(reference, new ManifestPuller(reference));
    }

    /** Resolves {@code reference} for {@code platform}; an index without that platform is an error naming those it has. */
    public ResolvedImage resolve(ImageReference reference, Platform platform) {
        ManifestDocument top = manifest(reference);
        if (top instanceof ImageManifest manifest) {
            return new ResolvedImage(reference, null, manifest, config(reference, manifest));
        }
        ImageIndex index = (ImageIndex) top;
        ImageManifest manifest = platformManifest(reference, choose(reference, index, platform));
        return new ResolvedImage(reference, index, manifest, config(reference, manifest));
    }

    /** The index entry for {@code platform}; its absence is an error that lists the platforms the index has. */
    public static Descriptor choose(ImageReference reference, ImageIndex index, Platform platform) {
        return index.select(platform).orElseThrow(() -> new RegistryException(Kind.NOT_FOUND, 0,
                "pull manifest " + reference + ": no image for platform " + platform + " (available: "
                        + (index.platformManifests().isEmpty() ? "none" : index.describePlatforms()) + ")"));
    }

    /** Fetches the manifest an index entry points at and checks it is what the entry describes. */
    public ImageManifest platformManifest(ImageReference reference, Descriptor entry) {
        ImageReference byDigest = reference.withDigest(entry.digest());
        ManifestDocument child = manifest(byDigest);
        if (!(child instanceof ImageManifest manifest)) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, "pull manifest " + byDigest
                    + ": expected an image manifest for " + entry.platform() + " but got a nested index");
        }
        if (manifest.raw().length != entry.size()) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, "pull manifest " + byDigest
                    + ": size " + manifest.raw().length + " differs from the index's " + entry.size());
        }
        return manifest;
    }

    /** Fetches and checks an image's config: digest, size, and one diff id per layer. */
    public ImageConfig config(ImageReference reference, ImageManifest manifest) {
        Descriptor descriptor = manifest.config();
        String action = "pull config " + descriptor.digest() + " of " + reference;
        if (descriptor.size() > MAX_CONFIG_SIZE) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, action + ": config size " + descriptor.size() + " is implausibly large");
        }
        byte[] raw = client.call(reference, new BlobPuller<>(reference, descriptor.digest(), response -> readExactly(response, descriptor, action)));
        ImageConfig config;
        try {
            config = ImageConfig.parse(raw, descriptor.digest(), action);
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, e.getMessage(), e);
        }
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, action + ": config lists " + config.diffIds().size()
                    + " diff_ids but the manifest has " + manifest.layers().size() + " layers");
        }
        return config;
    }

    private static byte[] readExactly(RegistryResponse response, Descriptor descriptor, String action) throws IOException {
        byte[] raw = response.body().readNBytes((int) descriptor.size() + 1);
        if (raw.length > descriptor.size()) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, action + ": registry sent more than the declared " + descriptor.size() + " bytes");
        }
        if (raw.length < descriptor.size()) {
            throw new NetworkException("connection closed after " + raw.length + " of " + descriptor.size() + " bytes");
        }
        if (!descriptor.digest().matches(descriptor.digest().newHasher().digest(raw))) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, action + ": digest mismatch");
        }
        return raw;
    }
}
