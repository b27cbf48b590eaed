package dev.exporter.export;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.remote.PullSources;
import dev.exporter.remote.Referrers;
import dev.exporter.remote.RegistryImages;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.ImageSink;
import dev.exporter.transfer.LayerUnpacker;
import dev.exporter.transfer.TempPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Export in two steps, source then sink: {@link #plan} resolves every reference once at the first of its pull sources
 * that has it (manifests and configs, no layers; the blobs are then read there too), {@link #export} runs that plan
 * into a sink, which fetches what it needs. Knows no format.
 */
public final class Exporter {

    private final PullSources pulls;
    private final ExportOptions options;
    /** The referrer walk, started by {@link #plan} when {@link ExportOptions.Ahead#referrers} asks for it. */
    private Referrers referrers;

    public Exporter(PullSources pulls, ExportOptions options) {
        this.pulls = pulls;
        this.options = options;
    }

    /**
     * Resolves every reference for the configured platforms. Configs already in the cache or in {@code present}
     * (blob folders the output already holds, such as a layout being added to) are read from there.
     */
    public ExportPlan plan(List<ImageReference> references, List<Path> present) {
        List<BlobStore> local = new ArrayList<>();
        if (options.cache() != null) {
            local.add(new BlobStore(options.cache().resolve("blobs")));
        }
        present.forEach(folder -> local.add(new BlobStore(folder)));
        RegistryImages registry = new RegistryImages(pulls, local);
        ask(registry, options.ahead());
        // The connections the blob downloads will want, and one for the requests alongside them (referrer probes),
        // are opened while manifests and configs are read.
        Map<String, ImageReference> firstPerRegistry = new LinkedHashMap<>();
        references.forEach(reference -> firstPerRegistry.putIfAbsent(reference.registry(), reference));
        firstPerRegistry.values().forEach(reference -> pulls.preconnect(reference, options.jobs() + 1));
        List<ResolvedImage> images = new ArrayList<>();
        for (ImageReference reference : references) {
            images.add(registry.resolve(reference, options.platforms(), options.allPlatforms()));
        }
        return new ExportPlan(images, registry.blobs());
    }

    /**
     * Has {@code registry} start what {@code ahead} asks for as each manifest is found: the referrer probes, on the
     * walk's own pool, and the trailer reads, {@code -j} at a time on threads that go when idle.
     */
    private void ask(RegistryImages registry, ExportOptions.Ahead ahead) {
        if (ahead.referrers()) {
            referrers = new Referrers(pulls, options.jobs());
        }
        ExecutorService trailers = ahead.trailersAbove() < 0 ? null : trailerPool();
        Referrers walk = referrers;
        registry.onManifest((reference, document) -> {
            if (walk != null) {
                walk.prestart(reference, document.digest());
            }
            if (trailers != null && document instanceof ImageManifest manifest) {
                for (Descriptor layer : manifest.layers()) {
                    if (MediaTypes.isGzipLayer(layer.mediaType()) && layer.size() > ahead.trailersAbove()) {
                        registry.prefetchTail(reference, layer, trailers);
                    }
                }
            }
        });
    }

    /** {@code -j} daemon threads for trailer reads, which go when idle (a pool nobody shuts down leaves none). */
    private ExecutorService trailerPool() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(options.jobs(), options.jobs(), 1, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "exporter-trailers");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * The plan with the referrers of its images (signatures, SBOMs, attestations, and theirs in turn) found at the
     * primary location of each (mirrors hold images, not necessarily what refers to them); see {@link Referrers}.
     */
    public ExportPlan withReferrers(ExportPlan plan, List<String> skipped) {
        Referrers walk = referrers != null ? referrers : new Referrers(pulls, options.jobs());
        referrers = null;
        Referrers.Result found = walk.collect(plan.images());
        skipped.addAll(found.skipped());
        return plan.withReferrers(found.referrers());
    }

    /**
     * Signs that {@code image} has referrers (tags, referrers-API counts), without fetching any: for a format that
     * cannot carry them. Empty when there are none or the registry would not tell.
     */
    public List<String> referrerEvidence(ResolvedImage image) {
        return new Referrers(pulls, 1).evidence(image);
    }

    /**
     * The uncompressed size of every primary image's layers (each blob once), as far as it can be told without
     * downloading them: an uncompressed layer's is its blob's, a gzip layer's is in its trailer (one 4-byte range
     * request; {@code -j} of them in flight at once). Empty when some layer does not tell (zstd, a trailer that is
     * not plausible, no range support).
     */
    public OptionalLong uncompressedLayerBytes(ExportPlan plan) {
        Map<Digest, CompletableFuture<Long>> sizes = new LinkedHashMap<>();
        ExecutorService pool = trailerPool();
        try {
            for (ResolvedImage image : plan.images()) {
                for (Descriptor layer : image.manifest().layers()) {
                    if (sizes.containsKey(layer.digest())) {
                        continue;
                    }
                    if (MediaTypes.isUncompressedLayer(layer.mediaType())) {
                        sizes.put(layer.digest(), CompletableFuture.completedFuture(layer.size()));
                    } else if (MediaTypes.isGzipLayer(layer.mediaType())) {
                        sizes.put(layer.digest(), CompletableFuture.supplyAsync(() -> {
                            try {
                                return LayerUnpacker.plausibleGzipSize(plan.source().tail(image.reference(), layer, 4), layer);
                            } catch (RuntimeException e) {
                                return -1L; // a hint the registry cannot give is only a size we do not know
                            }
                        }, pool));
                    } else {
                        return OptionalLong.empty();
                    }
                }
            }
            long total = 0;
            for (CompletableFuture<Long> size : sizes.values()) {
                long bytes = size.join();
                if (bytes < 0) {
                    return OptionalLong.empty();
                }
                total += bytes;
            }
            return OptionalLong.of(total);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Writes {@code plan} into {@code sink}, with a temporary folder of its own that is gone afterwards. A blob larger
     * than the whole file system the output goes to is refused first: a registry can declare any size, and this
     * one could only fail later and obscurely (a file position past the file system's limit is "Invalid argument").
     */
    public ExportResult export(ExportPlan plan, ImageSink sink) throws IOException {
        long room = Files.getFileStore(options.workParent()).getTotalSpace();
        for (ResolvedImage image : plan.images()) {
            for (Descriptor blob : image.blobs()) {
                if (blob.size() > room) {
                    throw new IOException("blob " + blob.digest() + " of " + image.reference() + " is " + size(blob.size())
                            + ", larger than the whole file system of " + options.workParent() + " (" + size(room) + ")");
                }
            }
        }
        Path work = TempPaths.createDirectory(options.workParent(), ".exporter-");
        try {
            sink.write(plan, new Downloads(plan.source(), options.jobs(), work, options.cache(), options.progress()));
            return new ExportResult(plan.images(), plan.contentBytes());
        } finally {
            TempPaths.delete(work);
        }
    }

    private static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
