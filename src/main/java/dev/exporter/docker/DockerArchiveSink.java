package dev.exporter.docker;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.transfer.ArchiveOutput;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.Futures;
import dev.exporter.transfer.ImageSink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The classic {@code docker save} archive. Into a file, layers are decompressed straight into holes of their exact
 * size when their uncompressed sizes can be told in advance ({@link LayerSizes}); otherwise, and into a stream, each
 * goes to a temporary file first. Either way every layer's uncompressed digest is checked against the config's
 * diff id, as {@code docker load} does.
 */
public final class DockerArchiveSink implements ImageSink {

    private final ArchiveOutput out;
    private final LayerSizes.SmallLayers small;

    public DockerArchiveSink(ArchiveOutput out) {
        this(out, LayerSizes.SmallLayers.DEFAULT);
    }

    DockerArchiveSink(ArchiveOutput out, LayerSizes.SmallLayers small) {
        this.out = out;
        this.small = small;
    }

    /**
     * The layers whose gzip trailer an archive written in place reads (those larger than this many bytes; smaller ones
     * are fetched whole), so that the reads can be asked for as soon as the manifest is known.
     */
    public static long readsTrailersAbove() {
        return LayerSizes.SmallLayers.DEFAULT.perBlob();
    }

    /** The primary image's layers: its config is in the plan already. */
    @Override
    public List<Descriptor> fetches(ResolvedImage image) {
        return image.manifest().layers();
    }

    @Override
    public void write(ExportPlan plan, Downloads downloads) throws IOException {
        List<ResolvedImage> images = plan.images();
        for (ResolvedImage image : images) {
            for (Descriptor layer : image.manifest().layers()) {
                if (!MediaTypes.isLayer(layer.mediaType())) {
                    throw new ContentException("pull manifest " + image.reference()
                            + ": unsupported layer media type '" + layer.mediaType() + "'");
                }
            }
        }
        if (out.file() != null && out.channel() instanceof FileChannel file) {
            Map<Digest, LayerSource> sources = LayerSource.of(images);
            try (BlobFetcher fetcher = downloads.fetcher(downloads.cacheOrWork())) {
                Map<Digest, Long> sizes = LayerSizes.predict(sources, fetcher, small, downloads.cache() != null);
                if (sizes == null) {
                    writeFromFiles(images, downloads, fetcher); // with the small layers fetched already
                    return;
                }
                try {
                    writeInPlace(images, sources, sizes, downloads, fetcher);
                    return;
                } catch (LayerUnpack.SizeMispredicted e) {
                    // A layer that is not one gzip member (rare): start the file over the other way.
                    file.truncate(0);
                    file.position(0);
                }
            }
        }
        try (BlobFetcher fetcher = downloads.fetcher(downloads.cacheOrWork())) {
            writeFromFiles(images, downloads, fetcher);
        }
    }

    /** Writes the archive with holes for the layers, then decompresses every layer into its hole as it downloads. */
    private void writeInPlace(List<ResolvedImage> images, Map<Digest, LayerSource> sources, Map<Digest, Long> sizes,
                              Downloads downloads, BlobFetcher fetcher) throws IOException {
        List<DockerImage> archiveImages = new ArrayList<>();
        for (ResolvedImage image : images) {
            List<LayerTar> holes = new ArrayList<>();
            for (Digest diffId : image.config().diffIds()) {
                holes.add(new LayerTar.Hole(sizes.get(sources.get(diffId).blob().digest())));
            }
            archiveImages.add(new DockerImage(image.config(), image.repoTags(), holes));
        }
        Map<Digest, Long> offsets = DockerArchiveWriter.write(archiveImages, out.channel());
        Map<Digest, CompletableFuture<LayerUnpack.Unpacked>> unpacking = new LinkedHashMap<>();
        for (Map.Entry<Digest, LayerSource> entry : Downloads.largestFirst(sources.entrySet(), e -> e.getValue().blob().size())) {
            LayerSource source = entry.getValue();
            unpacking.put(entry.getKey(), LayerUnpack.start(fetcher, downloads.cache() != null,
                    source.image().reference(), source.blob(), new LayerUnpack.Target(out.file(),
                            offsets.get(entry.getKey()), sizes.get(source.blob().digest()))));
        }
        Futures.awaitAll(new ArrayList<>(unpacking.values()));
        unpacking.forEach((diffId, unpacked) -> {
            LayerSource source = sources.get(diffId);
            LayerUnpack.checkDiffId(source.image(), source.index(), unpacked.join());
        });
    }

    /** Decompresses every layer into a temporary file, then writes the archive from those files. */
    private void writeFromFiles(List<ResolvedImage> images, Downloads downloads, BlobFetcher fetcher)
            throws IOException {
        Path layerDir = Files.createDirectories(downloads.work().resolve("layers"));
        Map<Digest, CompletableFuture<LayerUnpack.Unpacked>> byBlob = new HashMap<>();
        List<List<CompletableFuture<LayerUnpack.Unpacked>>> perImage = new ArrayList<>();
        for (ResolvedImage image : images) {
            List<CompletableFuture<LayerUnpack.Unpacked>> layers = new ArrayList<>();
            for (Descriptor layer : image.manifest().layers()) {
                layers.add(byBlob.computeIfAbsent(layer.digest(), d -> LayerUnpack.start(fetcher,
                        downloads.cache() != null, image.reference(), layer,
                        LayerUnpack.Target.temporary(layerDir.resolve(layer.digest().hex() + ".tar")))));
            }
            perImage.add(layers);
        }
        Futures.awaitAll(new ArrayList<>(byBlob.values()));
        List<DockerImage> archiveImages = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            ResolvedImage image = images.get(i);
            List<LayerTar> tars = new ArrayList<>();
            List<CompletableFuture<LayerUnpack.Unpacked>> layers = perImage.get(i);
            for (int n = 0; n < layers.size(); n++) {
                LayerUnpack.Unpacked unpacked = layers.get(n).join();
                LayerUnpack.checkDiffId(image, n, unpacked);
                tars.add(new LayerTar.File(unpacked.tar()));
            }
            archiveImages.add(new DockerImage(image.config(), image.repoTags(), tars));
        }
        DockerArchiveWriter.write(archiveImages, out.channel());
    }
}
