package dev.exporter.remote;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.ManifestPuller;
import dev.exporter.registry.RawManifest;
import dev.exporter.registry.RawManifestPuller;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.remote.PullSources.Place;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.VerifyingStream;

import java.io.IOException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The registry as a place images are read from: resolves references to {@link ResolvedImage}s (manifests and
 * configs only; blobs are read through {@link RegistryBlobs}), following an index to the platforms asked for.
 * Each reference is looked up at its {@link PullSources} (mirrors, then the primary location) and everything under
 * it - child manifests, configs, blobs - is then read where it was found.
 */
public final class RegistryImages {

    private final PullSources pulls;
    /** Blob stores that may hold configs already (the cache, a layout being added to); the first keeps new ones. */
    private final List<BlobStore> local;
    /** Where each reference asked for was found; its child manifests, configs and blobs are read there too. */
    private final Map<ImageReference, Place> found = new ConcurrentHashMap<>();
    /** Told of every manifest that goes into a resolved image, before its config is fetched. */
    private volatile ManifestFound listener = (reference, document) -> { };
    /** Gzip trailers asked for ahead of the sink (see {@link #prefetchTail}), handed to {@link RegistryBlobs#tail}. */
    private final Map<Digest, CompletableFuture<byte[]>> tails = new ConcurrentHashMap<>();

    /**
     * Work that can start as soon as a manifest is known, in parallel with the request for its config: on a link
     * with latency the config costs a round trip that referrer probes and trailer reads need not wait for.
     */
    @FunctionalInterface
    public interface ManifestFound {
        /**
         * {@code document} (an index or an image manifest) was found for {@code reference} and will be part of what it
         * resolves to. Called on the resolving thread: must not block.
         */
        void found(ImageReference reference, ManifestDocument document);
    }

    public RegistryImages(RegistryClient client) {
        this(PullSources.direct(client), List.of());
    }

    public RegistryImages(PullSources pulls, List<BlobStore> local) {
        this.pulls = pulls;
        this.local = List.copyOf(local);
    }

    /** Tells {@code listener} of every manifest {@link #resolve} finds from now on. */
    public void onManifest(ManifestFound listener) {
        this.listener = listener;
    }

    /**
     * Starts reading the last 4 bytes of {@code layer} (a gzip trailer: the uncompressed size) on {@code executor}, for
     * the {@link #blobs} of this resolver to answer {@link RegistryBlobs#tail} with. Skipped for a blob a local store
     * holds: its trailer is read from there.
     */
    public void prefetchTail(ImageReference reference, Descriptor layer, Executor executor) {
        if (local.stream().anyMatch(store -> store.contains(layer))) {
            return;
        }
        RegistryBlobs blobs = new RegistryBlobs(this::place);
        tails.computeIfAbsent(layer.digest(), d -> CompletableFuture.supplyAsync(
                () -> blobs.tail(reference, layer, RegistryBlobs.TRAILER), executor));
    }

    /** The manifest or index {@code reference} names, from the first of its places that has it. */
    public ManifestDocument manifest(ImageReference reference) {
        return found(reference, pulls.first(reference, ManifestPuller::new));
    }

    /** As {@link #manifest}, the bytes as served and unparsed (artifacts and schema 1 too). */
    public RawManifest rawManifest(ImageReference reference) {
        return found(reference, pulls.first(reference, RawManifestPuller::new));
    }

    private <T> T found(ImageReference reference, PullSources.Found<T> answer) {
        found.put(reference, answer.place());
        return answer.value();
    }

    /** Where {@code reference} was found; one never looked up is read from its primary location. */
    Place place(ImageReference reference) {
        Place place = found.get(reference);
        return place != null ? place : pulls.primary(reference);
    }

    /** The physical reference {@code reference} was found at, or null when that is the reference itself. */
    private ImageReference origin(ImageReference reference) {
        ImageReference physical = place(reference).reference();
        return physical.equals(reference) ? null : physical;
    }

    /** The blobs of the images this resolved, each read where its image was found. */
    public RegistryBlobs blobs() {
        return new RegistryBlobs(this::place, tails);
    }

    /** Resolves {@code reference} for {@code platform}; an index without that platform is an error naming those it has. */
    public ResolvedImage resolve(ImageReference reference, Platform platform) {
        return resolve(reference, List.of(platform), false);
    }

    /**
     * Resolves {@code reference}: with {@code allPlatforms} the whole index, otherwise the requested platforms (a
     * subset index when there are several, the platform's manifest itself when one). The first platform asked for
     * is the primary image (what {@code docker load} gets). The one place an index entry is picked for export.
     */
    public ResolvedImage resolve(ImageReference reference, List<Platform> platforms, boolean allPlatforms) {
        ManifestDocument top = manifest(reference);
        listener.found(reference, top);
        if (top instanceof ImageManifest manifest) {
            return ResolvedImage.single(reference, null, image(reference, manifest)).withOrigin(origin(reference));
        }
        ImageIndex index = (ImageIndex) top;
        List<Descriptor> chosen = new ArrayList<>();
        if (allPlatforms) {
            chosen.addAll(index.manifests());
        } else {
            for (Platform platform : platforms) {
                Descriptor entry = choose(reference, index, platform);
                if (!chosen.contains(entry)) {
                    chosen.add(entry);
                }
            }
        }
        List<Image> images = new ArrayList<>();
        for (Descriptor entry : chosen) {
            ImageManifest manifest = platformManifest(reference, entry);
            listener.found(reference, manifest);
            images.add(image(reference, manifest));
        }
        Descriptor primaryEntry = index.select(platforms.get(0)).filter(chosen::contains)
                .orElse(chosen.stream().filter(d -> index.platformManifests().contains(d)).findFirst()
                        .orElseThrow(() -> new RegistryException(Kind.NOT_FOUND, 0, "pull manifest " + reference
                                + ": the index has no platform image")));
        Image primary = images.get(chosen.indexOf(primaryEntry));
        ManifestDocument root = allPlatforms ? index : chosen.size() == 1 ? primary.manifest() : index.subset(chosen);
        return new ResolvedImage(reference, root, index, images, primary, origin(reference));
    }

    /** The index entry for {@code platform}; its absence is an error that lists the platforms the index has. */
    public static Descriptor choose(ImageReference reference, ImageIndex index, Platform platform) {
        return index.choose(platform, "pull manifest " + reference);
    }

    /** Fetches the manifest an index entry points at and checks it is what the entry describes. */
    public ImageManifest platformManifest(ImageReference reference, Descriptor entry) {
        Place place = place(reference);
        ImageReference byDigest = place.reference().withDigest(entry.digest());
        ManifestDocument child = place.call(new ManifestPuller(byDigest));
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

    /** The manifest with its config. */
    public Image image(ImageReference reference, ImageManifest manifest) {
        ImageConfig config = config(reference, manifest);
        try {
            return new Image(manifest, config);
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, "pull config " + manifest.config().digest() + " of "
                    + reference + ": config lists " + config.diffIds().size() + " diff_ids but the manifest has "
                    + manifest.layers().size() + " layers");
        }
    }

    /** Fetches and checks an image's config: digest and size, through the verifying stream. */
    public ImageConfig config(ImageReference reference, ImageManifest manifest) {
        Descriptor descriptor = manifest.config();
        Place place = place(reference);
        ImageReference at = place.reference();
        String action = "pull config " + descriptor.digest() + " of " + at;
        if (descriptor.size() > ImageConfig.MAX_SIZE) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, action + ": config size " + descriptor.size() + " is implausibly large");
        }
        byte[] raw = stored(descriptor);
        if (raw == null) {
            raw = place.call(new BlobPuller<>(at, descriptor.digest(), BlobPuller.BlobReader.small(response -> {
                try {
                    return VerifyingStream.of(response.body(), descriptor.digest(), descriptor.size(), action)
                            .readAll(ImageConfig.MAX_SIZE);
                } catch (ContentException e) {
                    throw new RegistryException(Kind.INVALID_CONTENT, 0, e.getMessage(), e);
                }
            })));
            keep(descriptor, raw);
        }
        try {
            return ImageConfig.parse(raw, descriptor.digest(), action);
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, e.getMessage(), e);
        }
    }

    /** The config from a local store, verified, or null when none holds it intact. */
    private byte[] stored(Descriptor config) {
        for (BlobStore store : local) {
            byte[] raw = store.read(config, ImageConfig.MAX_SIZE);
            if (raw != null) {
                return raw;
            }
        }
        return null;
    }

    /** Keeps a fetched config in the first store (the cache), so the next run needs no request for it. */
    private void keep(Descriptor config, byte[] raw) {
        if (!local.isEmpty()) {
            try {
                local.get(0).put(config.digest(), raw);
            } catch (IOException | RuntimeException e) {
                // a cache that cannot be written only costs the request next time
            }
        }
    }
}
