package dev.exporter.export;

import dev.exporter.archive.DockerArchiveWriter;
import dev.exporter.archive.DockerImage;
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
import dev.exporter.transfer.LayerUnpacker;
import dev.exporter.transfer.TempPaths;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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

    /** An unpacked layer: the uncompressed tar and the digest it actually has. */
    private record Unpacked(Path tar, Digest diffId) {
    }

    /** Writes the {@code docker save} format of {@code images} to {@code out}. */
    public ExportResult writeDockerArchive(List<ResolvedImage> images, OutputStream out) throws IOException {
        Path work = TempPaths.createDirectory(options.workParent(), ".exporter-");
        try (BlobFetcher fetcher = new BlobFetcher(client, new BlobStore(work.resolve("blobs")), options.jobs(),
                options.progress())) {
            Path layerDir = Files.createDirectories(work.resolve("layers"));
            Map<Digest, CompletableFuture<Unpacked>> byBlob = new HashMap<>();
            List<List<CompletableFuture<Unpacked>>> perImage = new ArrayList<>();
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (ResolvedImage image : images) {
                List<CompletableFuture<Unpacked>> layers = new ArrayList<>();
                for (Descriptor layer : image.manifest().layers()) {
                    CompletableFuture<Unpacked> unpacked = byBlob.computeIfAbsent(layer.digest(), d ->
                            fetcher.then(fetcher.fetch(image.reference(), layer), blob -> unpack(blob, layerDir, layer)));
                    layers.add(unpacked);
                    all.add(unpacked);
                }
                perImage.add(layers);
            }
            awaitAll(all);
            List<DockerImage> archiveImages = new ArrayList<>();
            long bytes = 0;
            for (int i = 0; i < images.size(); i++) {
                ResolvedImage image = images.get(i);
                List<Path> tars = new ArrayList<>();
                List<CompletableFuture<Unpacked>> layers = perImage.get(i);
                for (int n = 0; n < layers.size(); n++) {
                    Unpacked unpacked = layers.get(n).join();
                    Digest expected = image.config().diffIds().get(n);
                    if (!expected.equals(unpacked.diffId())) {
                        throw new RegistryException(Kind.INVALID_CONTENT, 0, "unpack layer " + n + " ("
                                + image.manifest().layers().get(n).digest() + ") of " + image.reference()
                                + ": uncompressed content has digest " + unpacked.diffId()
                                + " but the config's rootfs.diff_ids[" + n + "] is " + expected);
                    }
                    tars.add(unpacked.tar());
                }
                archiveImages.add(new DockerImage(image.config(), repoTags(image.reference()), tars));
                bytes += image.manifest().totalSize();
            }
            DockerArchiveWriter.write(archiveImages, out);
            return new ExportResult(images, bytes);
        } finally {
            TempPaths.delete(work);
        }
    }

    private static Unpacked unpack(Path blob, Path layerDir, Descriptor layer) {
        Path tar = layerDir.resolve(layer.digest().hex() + ".tar");
        try {
            return new Unpacked(tar, LayerUnpacker.unpack(blob, tar));
        } catch (IOException e) {
            throw new UncheckedIOException("unpack layer " + layer.digest() + ": " + e.getMessage(), e);
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
