package dev.exporter.layout;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.Referrer;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.Caveat;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * What both OCI sinks store: every manifest, index, config and layer of a plan and of its referrers, and the names
 * to write.
 */
final class LayoutContent {

    /** The image-spec grammar of {@code org.opencontainers.image.ref.name} (annotations.md). */
    private static final Pattern REF_NAME =
            Pattern.compile("[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*");

    private LayoutContent() {
    }

    /** Both sinks store layers as they are, so zstd ones stay zstd (which {@code --format docker} would unpack). */
    static Set<Caveat> caveats(ResolvedImage image) {
        boolean zstd = image.images().stream().flatMap(i -> i.manifest().layers().stream())
                .anyMatch(layer -> MediaTypes.isZstdLayer(layer.mediaType()));
        return zstd ? Set.of(Caveat.ZSTD_LAYERS) : Set.of();
    }

    /** Every manifest and index of the plan (its referrers' too), as files in {@code store}. */
    static Map<Digest, Path> storeManifests(ExportPlan plan, BlobStore store) throws IOException {
        Map<Digest, Path> files = new HashMap<>();
        for (ResolvedImage image : plan.images()) {
            for (ManifestDocument document : image.documents()) {
                files.put(document.digest(), store.put(document.digest(), document.raw()));
            }
        }
        for (Referrer referrer : plan.referrers()) {
            ManifestDocument document = referrer.document();
            if (!files.containsKey(document.digest())) {
                files.put(document.digest(), store.put(document.digest(), document.raw()));
            }
        }
        return files;
    }

    /** Every config and layer blob of the plan, each once, with the repository to fetch it from. */
    static Map<Digest, Map.Entry<ImageReference, Descriptor>> blobs(ExportPlan plan) {
        Map<Digest, Map.Entry<ImageReference, Descriptor>> blobs = new LinkedHashMap<>();
        for (ResolvedImage image : plan.images()) {
            image.blobs().forEach(blob -> blobs.putIfAbsent(blob.digest(), Map.entry(image.reference(), blob)));
        }
        for (Referrer referrer : plan.referrers()) {
            referrer.blobs().forEach(blob -> blobs.putIfAbsent(blob.digest(), Map.entry(referrer.reference(), blob)));
        }
        return blobs;
    }

    /** Downloads every blob of the plan into {@code store} and adds its manifests; returns all blob files. */
    static Map<Digest, Path> fetchAll(ExportPlan plan, Downloads downloads, BlobStore store) throws IOException {
        Map<Digest, CompletableFuture<Path>> fetches = new LinkedHashMap<>();
        try (BlobFetcher fetcher = downloads.fetcher(store)) {
            Downloads.largestFirst(blobs(plan).values(), b -> b.getValue().size()).forEach(blob -> fetches.put(blob.getValue().digest(),
                    fetcher.fetch(blob.getKey(), blob.getValue())));
            Futures.awaitAll(new ArrayList<>(fetches.values()));
        }
        Map<Digest, Path> blobs = new TreeMap<>(Comparator.comparing(Digest::toString));
        fetches.forEach((digest, future) -> blobs.put(digest, future.join()));
        blobs.putAll(storeManifests(plan, store));
        return blobs;
    }

    /**
     * An image's {@code ref.name}: its full reference, the same as {@code io.containerd.image.name}
     * ({@code 127.0.0.1:5000/a/x:1}, {@code host/a/x@sha256:...} when pulled by digest). A bare tag, as docker 25 and
     * skopeo write, is shared by every repository with that tag, and consumers then pick one at random or refuse the
     * layout; a full reference is unique and fits the grammar (the port's colon is a separator). The rare docker
     * names outside the grammar ({@code __} or {@code ---} in a path, a tag ending in {@code .}, {@code _} or
     * {@code -}) get none (null) rather than a shortened name that another image could share.
     */
    static String refName(String reference) {
        return REF_NAME.matcher(reference).matches() ? reference : null;
    }

    /**
     * How the layout names the plan's referrers in {@code index.json}: one found under a tag like an image pulled by
     * that tag, one found only through the referrers API by its subject and repository; one listed in another
     * referrer index gets no entry, that index names it.
     */
    static List<OciLayoutReferrer> referrers(ExportPlan plan) {
        List<OciLayoutReferrer> out = new ArrayList<>();
        for (Referrer referrer : plan.referrers()) {
            Map<String, String> annotations = new LinkedHashMap<>();
            switch (referrer.found()) {
                case TAG -> {
                    String name = referrer.reference().toString();
                    annotations.put(OciLayoutWriter.CONTAINERD_NAME, name);
                    if (refName(name) != null) {
                        annotations.put(OciLayoutWriter.REF_NAME, name);
                    }
                }
                case REFERRERS_API -> {
                    annotations.put(OciLayoutReferrer.SUBJECT, referrer.subject().toString());
                    annotations.put(OciLayoutReferrer.REPOSITORY, referrer.reference().fullName());
                }
                case LISTED -> {
                    continue;
                }
            }
            ManifestDocument document = referrer.document();
            out.add(new OciLayoutReferrer(Descriptor.of(document.mediaType(), document.digest(), document.raw().length),
                    artifactType(document), annotations));
        }
        return out;
    }

    /** A manifest's {@code artifactType}, or null. */
    private static String artifactType(ManifestDocument document) {
        return Json.text(Json.parse(document.raw(), "manifest " + document.digest()), "artifactType");
    }

    /** How the layout names each image in {@code index.json} and {@code manifest.json}. */
    static List<OciLayoutImage> names(ExportPlan plan) {
        List<OciLayoutImage> out = new ArrayList<>();
        for (ResolvedImage image : plan.images()) {
            ManifestDocument root = image.root();
            out.add(new OciLayoutImage(Descriptor.of(root.mediaType(), root.digest(), root.raw().length),
                    image.reference().toString(), refName(image.reference().toString()), image.manifest().config().digest(),
                    image.manifest().layers().stream().map(Descriptor::digest).toList(), image.repoTags()));
        }
        return out;
    }
}
