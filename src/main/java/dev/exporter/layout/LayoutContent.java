package dev.exporter.layout;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.Futures;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** What both OCI sinks store: every manifest, index, config and layer of a plan, and the names to write. */
final class LayoutContent {

    private LayoutContent() {
    }

    /** Every manifest and index of the plan, as files in {@code store}. */
    static Map<Digest, Path> storeManifests(ExportPlan plan, BlobStore store) throws IOException {
        Map<Digest, Path> files = new HashMap<>();
        for (ResolvedImage image : plan.images()) {
            for (ManifestDocument document : image.documents()) {
                files.put(document.digest(), store.put(document.digest(), document.raw()));
            }
        }
        return files;
    }

    /** Downloads every blob of the plan into {@code store} and adds its manifests; returns all blob files. */
    static Map<Digest, Path> fetchAll(ExportPlan plan, Downloads downloads, BlobStore store) throws IOException {
        Map<Digest, CompletableFuture<Path>> fetches = new LinkedHashMap<>();
        try (BlobFetcher fetcher = downloads.fetcher(store)) {
            for (ResolvedImage image : plan.images()) {
                for (Descriptor blob : image.blobs()) {
                    fetches.computeIfAbsent(blob.digest(), d -> fetcher.fetch(image.reference(), blob));
                }
            }
            Futures.awaitAll(new ArrayList<>(fetches.values()));
        }
        Map<Digest, Path> blobs = new TreeMap<>(Comparator.comparing(Digest::toString));
        fetches.forEach((digest, future) -> blobs.put(digest, future.join()));
        blobs.putAll(storeManifests(plan, store));
        return blobs;
    }

    /** How the layout names each image in {@code index.json} and {@code manifest.json}. */
    static List<OciLayoutImage> names(ExportPlan plan) {
        List<OciLayoutImage> out = new ArrayList<>();
        for (ResolvedImage image : plan.images()) {
            ManifestDocument root = image.root();
            out.add(new OciLayoutImage(Descriptor.of(root.mediaType(), root.digest(), root.raw().length),
                    image.reference().toString(), image.reference().tag(), image.manifest().config().digest(),
                    image.manifest().layers().stream().map(Descriptor::digest).toList(), image.repoTags()));
        }
        return out;
    }
}
