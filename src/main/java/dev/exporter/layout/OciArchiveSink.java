package dev.exporter.layout;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.Image;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.transfer.ArchiveOutput;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.Caveat;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.FileErrors;
import dev.exporter.transfer.Futures;
import dev.exporter.transfer.ImageSink;
import dev.exporter.transfer.Landing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An OCI image layout tar (with docker's {@code manifest.json}). Into a file, the tar is written first with a hole
 * of the right size for every config and layer, and the downloads fill their holes concurrently: blob bytes are
 * written once, straight into the archive (with a cache, they go there first and are copied in as each completes).
 * Into a stream, blobs are fetched first and the tar written front to back.
 */
public final class OciArchiveSink implements ImageSink {

    private final ArchiveOutput out;

    public OciArchiveSink(ArchiveOutput out) {
        this.out = out;
    }

    @Override
    public List<Descriptor> fetches(ResolvedImage image) {
        return image.blobs();
    }

    @Override
    public Set<Caveat> caveats(ResolvedImage image) {
        return LayoutContent.caveats(image);
    }

    @Override
    public void write(ExportPlan plan, Downloads downloads) throws IOException {
        if (out.file() == null) {
            Map<Digest, Path> blobs = LayoutContent.fetchAll(plan, downloads, downloads.cacheOrWork());
            OciLayoutWriter.writeTar(LayoutContent.names(plan), LayoutContent.referrers(plan), blobs, out.channel());
        } else {
            writeInPlace(plan, downloads);
        }
    }

    private void writeInPlace(ExportPlan plan, Downloads downloads) throws IOException {
        BlobStore manifests = new BlobStore(downloads.work().resolve("manifests"));
        Map<Digest, Path> manifestFiles = LayoutContent.storeManifests(plan, manifests);
        storeConfigs(plan, manifests, manifestFiles, downloads);
        Map<Digest, Map.Entry<ImageReference, Descriptor>> blobs = LayoutContent.blobs(plan);
        blobs.keySet().removeAll(manifestFiles.keySet());
        Map<Digest, Long> sizes = new HashMap<>();
        blobs.forEach((digest, blob) -> sizes.put(digest, blob.getValue().size()));
        Map<Digest, Long> offsets = OciLayoutWriter.writeTar(LayoutContent.names(plan), LayoutContent.referrers(plan),
                manifestFiles, sizes, out.channel());
        BlobStore cache = downloads.cacheStore();
        try (BlobFetcher fetcher = downloads.fetcher(cache != null ? cache : manifests)) {
            List<CompletableFuture<?>> fetches = new ArrayList<>();
            Downloads.largestFirst(blobs.values(), b -> b.getValue().size()).forEach(source -> {
                ImageReference repository = source.getKey();
                Descriptor blob = source.getValue();
                long offset = offsets.get(blob.digest());
                fetches.add(cache == null
                        ? fetcher.download(repository, blob, Landing.region(out.file(), offset), null)
                        : fetcher.then(fetcher.fetch(repository, blob), cached -> copyInto(cached, out.file(), offset, blob)));
            });
            Futures.awaitAll(fetches);
        }
    }

    /**
     * Adds the configs to {@code files}: read and verified while planning, they are written from memory, not asked
     * for again.
     */
    private static void storeConfigs(ExportPlan plan, BlobStore store, Map<Digest, Path> files, Downloads downloads)
            throws IOException {
        for (ResolvedImage image : plan.images()) {
            for (Image platform : image.images()) {
                Descriptor config = platform.manifest().config();
                if (!files.containsKey(config.digest())) {
                    files.put(config.digest(), store.put(config.digest(), platform.config().raw()));
                    downloads.progress().started(config, true);
                    downloads.progress().finished(config);
                }
            }
        }
    }

    /** Copies a stored blob into its hole in the archive {@code file}, which starts at {@code offset}. */
    private static Void copyInto(Path stored, Path file, long offset, Descriptor blob) {
        try {
            OciLayoutWriter.fillHole(file, offset, stored, blob.size());
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("copy blob " + blob.digest() + " into " + file + ": " + FileErrors.reason(e), e);
        }
    }
}
