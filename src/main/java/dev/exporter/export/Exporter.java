package dev.exporter.export;

import dev.exporter.archive.DockerArchiveWriter;
import dev.exporter.archive.DockerImage;
import dev.exporter.archive.OciLayoutImage;
import dev.exporter.archive.OciLayoutWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Platform;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.ImageResolver;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.ResolvedImage;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.BlobStore;
import dev.exporter.archive.LayerTar;
import dev.exporter.transfer.Landing;
import dev.exporter.transfer.ProgressListener;
import dev.exporter.transfer.LayerUnpacker;
import dev.exporter.transfer.Tap;
import dev.exporter.transfer.TempPaths;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Pulls images from registries and writes them as archives: the pipeline resolve, download, unpack, write. */
public final class Exporter {

    private final RegistryClient client;
    private final ExportOptions options;
    private final ImageResolver resolver;

    public Exporter(RegistryClient client, ExportOptions options) {
        this.client = client;
        this.options = options;
        this.resolver = new ImageResolver(client);
    }

    /** Resolves every reference for the configured platform (manifests and configs only, no layers). */
    public List<ResolvedImage> resolve(List<ImageReference> references) {
        List<ResolvedImage> images = new ArrayList<>();
        for (ImageReference reference : references) {
            images.add(resolver.resolve(reference, options.platform()));
        }
        return images;
    }

    /**
     * Resolves every reference for an OCI layout: with {@code allPlatforms} the whole index, otherwise the
     * requested platforms (a subset index when there are several, the platform's manifest itself when one).
     */
    public List<OciImage> resolveOci(List<ImageReference> references, List<Platform> platforms, boolean allPlatforms) {
        List<OciImage> images = new ArrayList<>();
        for (ImageReference reference : references) {
            ManifestDocument top = resolver.manifest(reference);
            if (top instanceof ImageManifest manifest) {
                images.add(new OciImage(reference, manifest, List.of(manifest),
                        new ResolvedImage(reference, null, manifest, resolver.config(reference, manifest))));
                continue;
            }
            ImageIndex index = (ImageIndex) top;
            List<Descriptor> chosen = new ArrayList<>();
            if (allPlatforms) {
                chosen.addAll(index.manifests());
            } else {
                for (Platform platform : platforms) {
                    Descriptor entry = ImageResolver.choose(reference, index, platform);
                    if (!chosen.contains(entry)) {
                        chosen.add(entry);
                    }
                }
            }
            List<ImageManifest> manifests = new ArrayList<>();
            for (Descriptor entry : chosen) {
                manifests.add(resolver.platformManifest(reference, entry));
            }
            Descriptor primaryEntry = index.select(platforms.get(0)).filter(chosen::contains)
                    .orElse(chosen.stream().filter(d -> index.platformManifests().contains(d)).findFirst()
                            .orElseThrow(() -> new RegistryException(Kind.NOT_FOUND, 0, "pull manifest " + reference
                                    + ": the index has no platform image")));
            ImageManifest primary = manifests.get(chosen.indexOf(primaryEntry));
            ManifestDocument root = allPlatforms ? index : chosen.size() == 1 ? primary : subsetIndex(index, chosen);
            images.add(new OciImage(reference, root, manifests,
                    new ResolvedImage(reference, index, primary, resolver.config(reference, primary))));
        }
        return images;
    }

    /** The registry's index with only the chosen entries (verbatim), so the layout holds every blob it names. */
    private static ImageIndex subsetIndex(ImageIndex index, List<Descriptor> chosen) {
        ObjectNode original = (ObjectNode) Json.parse(index.raw(), "index " + index.digest());
        ObjectNode subset = original.deepCopy();
        ArrayNode entries = subset.putArray("manifests");
        Set<String> keep = new HashSet<>();
        chosen.forEach(d -> keep.add(d.digest().toString()));
        original.path("manifests").forEach(entry -> {
            if (keep.contains(entry.path("digest").asText())) {
                entries.add(entry);
            }
        });
        return (ImageIndex) ManifestDocument.parse(Json.write(subset), index.mediaType(), "subset of index " + index.digest());
    }

    /** Writes an OCI image layout tar (with docker's manifest.json) of {@code images} to {@code out}. */
    public ExportResult writeOciArchive(List<OciImage> images, ArchiveOutput out) throws IOException {
        Path work = TempPaths.createDirectory(options.workParent(), ".exporter-");
        try {
            if (out.file() == null) {
                Map<Digest, Path> blobs = fetchOci(images, blobStore(work));
                OciLayoutWriter.writeTar(layoutImages(images), blobs, out.channel());
            } else {
                writeOciArchiveInPlace(images, out, new BlobStore(work.resolve("manifests")));
            }
            return result(images);
        } finally {
            TempPaths.delete(work);
        }
    }

    /**
     * Writes the layout tar with a hole of the right size for every config and layer, then lets the downloads fill
     * their holes concurrently: blob bytes are written once, straight into the archive. With a cache, blobs go there
     * first and are copied in as each completes.
     */
    private void writeOciArchiveInPlace(List<OciImage> images, ArchiveOutput out, BlobStore manifests)
            throws IOException {
        Map<Digest, Path> manifestFiles = storeManifests(images, manifests);
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        Map<Digest, ImageReference> repositories = new HashMap<>();
        for (OciImage image : images) {
            for (Descriptor blob : image.blobs()) {
                if (!manifestFiles.containsKey(blob.digest()) && blobs.putIfAbsent(blob.digest(), blob) == null) {
                    repositories.put(blob.digest(), image.reference());
                }
            }
        }
        Map<Digest, Long> sizes = new HashMap<>();
        blobs.forEach((digest, blob) -> sizes.put(digest, blob.size()));
        Map<Digest, Long> offsets = OciLayoutWriter.writeTar(layoutImages(images), manifestFiles, sizes, out.channel());
        BlobStore cache = options.cache() == null ? null : new BlobStore(options.cache().resolve("blobs"));
        try (BlobFetcher fetcher = new BlobFetcher(client, cache != null ? cache : manifests, options.jobs(),
                options.progress())) {
            List<CompletableFuture<?>> downloads = new ArrayList<>();
            blobs.forEach((digest, blob) -> {
                ImageReference repository = repositories.get(digest);
                long offset = offsets.get(digest);
                downloads.add(cache == null
                        ? fetcher.download(repository, blob, Landing.region(out.file(), offset), null)
                        : fetcher.then(fetcher.fetch(repository, blob), cached -> copyInto(cached, out.file(), offset, blob)));
            });
            awaitAll(downloads);
        }
    }

    /** Copies a stored blob into its hole in the archive {@code file}, which starts at {@code offset}. */
    private static Void copyInto(Path stored, Path file, long offset, Descriptor blob) {
        try {
            OciLayoutWriter.fillHole(file, offset, stored, blob.size());
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("copy blob " + blob.digest() + " into " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every manifest and index of {@code images}, as files in {@code store}. */
    private static Map<Digest, Path> storeManifests(List<OciImage> images, BlobStore store) throws IOException {
        Map<Digest, Path> files = new HashMap<>();
        for (OciImage image : images) {
            files.put(image.root().digest(), store.put(image.root().digest(), image.root().raw()));
            for (ImageManifest manifest : image.manifests()) {
                files.put(manifest.digest(), store.put(manifest.digest(), manifest.raw()));
            }
        }
        return files;
    }

    /**
     * Adds {@code images} to the OCI layout folder {@code dir} (created if needed). Blobs already there are verified
     * and not downloaded again; {@code index.json} and {@code manifest.json} are replaced atomically at the end.
     */
    public ExportResult writeOciDirectory(List<OciImage> images, Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("write OCI layout " + dir + ": exists and is not a folder");
        }
        Files.createDirectories(dir);
        fetchOci(images, new BlobStore(dir.resolve("blobs")));
        OciLayoutWriter.updateDirectory(dir, layoutImages(images));
        return result(images);
    }

    /** Downloads every blob of {@code images} into {@code store} and adds their manifests; returns all blob files. */
    private Map<Digest, Path> fetchOci(List<OciImage> images, BlobStore store) throws IOException {
        Map<Digest, CompletableFuture<Path>> downloads = new LinkedHashMap<>();
        try (BlobFetcher fetcher = new BlobFetcher(client, store, options.jobs(), options.progress())) {
            for (OciImage image : images) {
                for (Descriptor blob : image.blobs()) {
                    downloads.computeIfAbsent(blob.digest(), d -> fetcher.fetch(image.reference(), blob));
                }
            }
            awaitAll(new ArrayList<>(downloads.values()));
        }
        Map<Digest, Path> blobs = new TreeMap<>(java.util.Comparator.comparing(Digest::toString));
        downloads.forEach((digest, future) -> blobs.put(digest, future.join()));
        blobs.putAll(storeManifests(images, store));
        return blobs;
    }

    private static List<OciLayoutImage> layoutImages(List<OciImage> images) {
        List<OciLayoutImage> out = new ArrayList<>();
        for (OciImage image : images) {
            ManifestDocument root = image.root();
            ImageManifest primary = image.primary().manifest();
            out.add(new OciLayoutImage(Descriptor.of(root.mediaType(), root.digest(), root.raw().length),
                    image.reference().toString(), image.reference().tag(), primary.config().digest(),
                    primary.layers().stream().map(Descriptor::digest).toList(), repoTags(image.reference())));
        }
        return out;
    }

    private static ExportResult result(List<OciImage> images) {
        // distinct by digest: Descriptor's record equals would be linked (method handles) just for this sum
        Map<Digest, Long> sizes = new HashMap<>();
        images.forEach(image -> image.blobs().forEach(blob -> sizes.put(blob.digest(), blob.size())));
        long bytes = sizes.values().stream().mapToLong(Long::longValue).sum();
        return new ExportResult(images.stream().map(OciImage::primary).toList(), bytes);
    }

    /** The shared cache when there is one, else a store inside this run's temporary folder. */
    private BlobStore blobStore(Path work) {
        return new BlobStore(options.cache() != null ? options.cache().resolve("blobs") : work.resolve("blobs"));
    }

    /** An unpacked layer: the uncompressed tar and the digest it actually has. */
    private record Unpacked(Path tar, Digest diffId) {
    }

    /**
     * Writes the {@code docker save} format of {@code images} to {@code out}. Into a file, layers are decompressed
     * straight into holes of their exact size when their uncompressed sizes can be told in advance (gzip trailers);
     * otherwise, and into a stream, each goes to a temporary file first.
     */
    public ExportResult writeDockerArchive(List<ResolvedImage> images, ArchiveOutput out) throws IOException {
        for (ResolvedImage image : images) {
            for (Descriptor layer : image.manifest().layers()) {
                if (!MediaTypes.isLayer(layer.mediaType())) {
                    throw new RegistryException(Kind.INVALID_CONTENT, 0, "pull manifest " + image.reference()
                            + ": unsupported layer media type '" + layer.mediaType() + "'");
                }
            }
        }
        Path work = TempPaths.createDirectory(options.workParent(), ".exporter-");
        try {
            if (out.file() != null && out.channel() instanceof FileChannel file) {
                Map<Digest, LayerSource> sources = layerSources(images);
                Map<Digest, Long> sizes = predictLayerSizes(sources, work);
                if (sizes != null) {
                    try {
                        return writeDockerArchiveInPlace(images, sources, out, sizes, work);
                    } catch (LayerSizeMispredicted e) {
                        // A layer that is not one gzip member (rare): start the file over the other way.
                        file.truncate(0);
                        file.position(0);
                    }
                }
            }
            return writeDockerArchiveFromFiles(images, out, work);
        } finally {
            TempPaths.delete(work);
        }
    }

    /** The first layer (image and index) that provides each diff id's {@code layer.tar}. */
    private record LayerSource(ResolvedImage image, int index) {
        Descriptor blob() {
            return image.manifest().layers().get(index);
        }

        Digest diffId() {
            return image.config().diffIds().get(index);
        }
    }

    private static Map<Digest, LayerSource> layerSources(List<ResolvedImage> images) {
        Map<Digest, LayerSource> sources = new LinkedHashMap<>();
        for (ResolvedImage image : images) {
            for (int i = 0; i < image.config().diffIds().size(); i++) {
                sources.putIfAbsent(image.config().diffIds().get(i), new LayerSource(image, i));
            }
        }
        return sources;
    }

    /**
     * Each layer blob's uncompressed size by blob digest, as its gzip trailer (or, uncompressed, its size) tells it;
     * null when some size cannot be told, so the layers go through temporary files instead.
     */
    private Map<Digest, Long> predictLayerSizes(Map<Digest, LayerSource> sources, Path work) throws IOException {
        Map<Digest, CompletableFuture<Long>> sizes = new LinkedHashMap<>();
        try (BlobFetcher fetcher = new BlobFetcher(client, blobStore(work), options.jobs(), ProgressListener.NONE)) {
            for (LayerSource source : sources.values()) {
                Descriptor blob = source.blob();
                if (sizes.containsKey(blob.digest())) {
                    return null; // one blob for two diff ids: the config is wrong, and the slow path says so
                }
                if (MediaTypes.isGzipLayer(blob.mediaType())) {
                    sizes.put(blob.digest(), fetcher.tail(source.image().reference(), blob, 4)
                            .thenApply(tail -> plausible(LayerUnpacker.gzipSize(tail), blob))
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

    /** A trailer's size if it can be a layer's: a whole number of tar blocks, not far below the compressed size. */
    private static long plausible(long size, Descriptor blob) {
        return size >= 0 && size % 512 == 0 && size >= blob.size() / 2 ? size : -1;
    }

    /** Thrown when a layer turns out to have another size than its gzip trailer said. */
    private static final class LayerSizeMispredicted extends RuntimeException {
        LayerSizeMispredicted(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Writes the archive with holes for the layers, then decompresses every layer into its hole as it downloads. */
    private ExportResult writeDockerArchiveInPlace(List<ResolvedImage> images, Map<Digest, LayerSource> sources,
                                                   ArchiveOutput out, Map<Digest, Long> sizes, Path work)
            throws IOException {
        List<DockerImage> archiveImages = new ArrayList<>();
        for (ResolvedImage image : images) {
            List<LayerTar> holes = new ArrayList<>();
            for (Digest diffId : image.config().diffIds()) {
                holes.add(new LayerTar.Hole(sizes.get(sources.get(diffId).blob().digest())));
            }
            archiveImages.add(new DockerImage(image.config(), repoTags(image.reference()), holes));
        }
        Map<Digest, Long> offsets = DockerArchiveWriter.write(archiveImages, out.channel());
        try (BlobFetcher fetcher = new BlobFetcher(client, blobStore(work), options.jobs(), options.progress())) {
            Map<Digest, CompletableFuture<Unpacked>> unpacking = new LinkedHashMap<>();
            sources.forEach((diffId, source) -> unpacking.put(diffId, unpackLayer(fetcher, source.image().reference(),
                    source.blob(), new LayerTarget(out.file(), offsets.get(diffId), sizes.get(source.blob().digest())))));
            awaitAll(new ArrayList<>(unpacking.values()));
            unpacking.forEach((diffId, unpacked) -> {
                LayerSource source = sources.get(diffId);
                checkDiffId(source.image(), source.index(), unpacked.join());
            });
        }
        return new ExportResult(images, totalSize(images));
    }

    /** Decompresses every layer into a temporary file, then writes the archive from those files. */
    private ExportResult writeDockerArchiveFromFiles(List<ResolvedImage> images, ArchiveOutput out, Path work)
            throws IOException {
        try (BlobFetcher fetcher = new BlobFetcher(client, blobStore(work), options.jobs(), options.progress())) {
            Path layerDir = Files.createDirectories(work.resolve("layers"));
            Map<Digest, CompletableFuture<Unpacked>> byBlob = new HashMap<>();
            List<List<CompletableFuture<Unpacked>>> perImage = new ArrayList<>();
            for (ResolvedImage image : images) {
                List<CompletableFuture<Unpacked>> layers = new ArrayList<>();
                for (Descriptor layer : image.manifest().layers()) {
                    layers.add(byBlob.computeIfAbsent(layer.digest(), d -> unpackLayer(fetcher, image.reference(), layer,
                            LayerTarget.temporary(layerDir.resolve(layer.digest().hex() + ".tar")))));
                }
                perImage.add(layers);
            }
            awaitAll(new ArrayList<>(byBlob.values()));
            List<DockerImage> archiveImages = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                ResolvedImage image = images.get(i);
                List<LayerTar> tars = new ArrayList<>();
                List<CompletableFuture<Unpacked>> layers = perImage.get(i);
                for (int n = 0; n < layers.size(); n++) {
                    Unpacked unpacked = layers.get(n).join();
                    checkDiffId(image, n, unpacked);
                    tars.add(new LayerTar.File(unpacked.tar()));
                }
                archiveImages.add(new DockerImage(image.config(), repoTags(image.reference()), tars));
            }
            DockerArchiveWriter.write(archiveImages, out.channel());
            return new ExportResult(images, totalSize(images));
        }
    }

    private static long totalSize(List<ResolvedImage> images) {
        return images.stream().mapToLong(image -> image.manifest().totalSize()).sum();
    }

    private static void checkDiffId(ResolvedImage image, int n, Unpacked unpacked) {
        Digest expected = image.config().diffIds().get(n);
        if (!expected.equals(unpacked.diffId())) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, "unpack layer " + n + " ("
                    + image.manifest().layers().get(n).digest() + ") of " + image.reference()
                    + ": uncompressed content has digest " + unpacked.diffId()
                    + " but the config's rootfs.diff_ids[" + n + "] is " + expected);
        }
    }

    /**
     * Downloads a layer and decompresses it into {@code target} while it arrives. Without a cache the compressed
     * bytes are not kept at all: they only pass through the decompressor.
     */
    private CompletableFuture<Unpacked> unpackLayer(BlobFetcher fetcher, ImageReference repository, Descriptor layer,
                                                    LayerTarget target) {
        UnpackTap tap = new UnpackTap(target, layer.digest());
        CompletableFuture<Path> blob = options.cache() == null
                ? fetcher.download(repository, layer, Landing.nowhere(), tap)
                : fetcher.fetch(repository, layer, tap);
        return fetcher.then(blob, stored -> tap.result != null ? tap.result : tap.unpackStored(stored));
    }

    /** Where a layer's uncompressed tar goes: a temporary file of its own, or its hole of {@code size} bytes. */
    private record LayerTarget(Path file, long offset, long size) {
        static LayerTarget temporary(Path file) {
            return new LayerTarget(file, 0, -1);
        }

        Unpacked unpack(InputStream blob) throws IOException {
            return new Unpacked(file, size < 0 ? LayerUnpacker.unpack(blob, file)
                    : LayerUnpacker.unpackInto(blob, file, offset, size));
        }
    }

    /** Decompresses a layer while it downloads; leaves {@code result} null if the download was not tapped. */
    private static final class UnpackTap implements Tap {
        final LayerTarget target;
        final Digest layer;
        volatile Unpacked result;
        volatile IOException failure;

        UnpackTap(LayerTarget target, Digest layer) {
            this.target = target;
            this.layer = layer;
        }

        @Override
        public void consume(InputStream blob) throws IOException {
            failure = null;
            try {
                result = target.unpack(blob);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        /**
         * Decompresses the stored (cached or resumed) blob; a blob stored nowhere was verified, so what failed
         * was its decompression while it streamed.
         */
        Unpacked unpackStored(Path stored) {
            try {
                if (stored == null) {
                    throw failure != null ? failure : new IOException("no content");
                }
                try (InputStream in = Files.newInputStream(stored)) {
                    return target.unpack(in);
                }
            } catch (LayerUnpacker.SizeMismatch e) {
                throw new LayerSizeMispredicted(e);
            } catch (IOException e) {
                throw new UncheckedIOException("unpack layer " + layer.hex() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Docker's familiar {@code name:tag}; an image pulled by digest alone gets no tag, as with docker save. */
    static List<String> repoTags(ImageReference reference) {
        return reference.tag() == null ? List.of() : List.of(reference.familiarName() + ":" + reference.tag());
    }

    /** Waits for every future, failing as soon as the first one fails. */
    private static void awaitAll(List<CompletableFuture<?>> futures) throws IOException {
        CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        for (CompletableFuture<?> f : futures) {
            f.whenComplete((v, e) -> {
                if (e != null) {
                    firstFailure.completeExceptionally(e);
                }
            });
        }
        try {
            CompletableFuture.anyOf(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)), firstFailure).join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e;
            while ((cause instanceof CompletionException || cause instanceof CancellationException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }
}
