package dev.exporter.verify;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ImageSource;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.reference.Digest;
import dev.exporter.tar.Compression;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Checks every image a place holds, writing nothing (the far side of a transfer: "did it arrive intact?"). Every
 * config and layer is read through the source's verifying stream (size and digest), and every layer is
 * decompressed and hashed against the config's {@code diff_ids}, as {@code docker load} would. Blobs are checked
 * concurrently, each once however many images share it. Manifests and indexes were verified when the source
 * opened them. Artifacts (signatures, SBOMs, attestations) have their config and layers checked against digest and
 * size.
 */
public final class ArchiveCheck {

    private static final int MAX_NESTING = 8;

    /**
     * What checking one image found.
     *
     * @param problems one line per damaged or missing blob, naming it; empty when the image is sound
     */
    public record ImageResult(SourceImage image, int blobs, long bytes, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final ImageSource source;
    private final int jobs;

    public ArchiveCheck(ImageSource source, int jobs) {
        this.source = source;
        this.jobs = jobs;
    }

    /** Checks every image of the source; a damaged blob is reported, not thrown. */
    public List<ImageResult> run() throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "exporter-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<Digest, CompletableFuture<Digest>> checks = new HashMap<>();
            List<Map<Descriptor, Digest>> expected = new ArrayList<>();
            List<List<String>> early = new ArrayList<>();
            for (SourceImage image : source.images()) {
                Map<Descriptor, Digest> blobs = new LinkedHashMap<>();
                Set<Digest> covered = new HashSet<>();
                for (Image platform : image.images()) {
                    covered.add(platform.manifest().digest());
                    blobs.put(platform.manifest().config(), null);
                    for (int i = 0; i < platform.manifest().layers().size(); i++) {
                        blobs.put(platform.manifest().layers().get(i), platform.config().diffIds().get(i));
                    }
                }
                List<String> unreadable = new ArrayList<>();
                artifactBlobs(image.root(), covered, blobs, 0, unreadable);
                early.add(unreadable);
                blobs.forEach((blob, diffId) -> checks.computeIfAbsent(blob.digest(), d -> CompletableFuture.supplyAsync(
                        () -> check(blob, diffId != null), pool)));
                expected.add(blobs);
            }
            List<ImageResult> results = new ArrayList<>();
            List<SourceImage> images = source.images();
            for (int n = 0; n < images.size(); n++) {
                List<String> problems = new ArrayList<>(early.get(n));
                long bytes = 0;
                for (Map.Entry<Descriptor, Digest> e : expected.get(n).entrySet()) {
                    bytes += e.getKey().size();
                    problem(e.getKey(), e.getValue(), checks.get(e.getKey().digest()), problems);
                }
                results.add(new ImageResult(images.get(n), expected.get(n).size(), bytes, List.copyOf(problems)));
            }
            return results;
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Adds the config and layers of every manifest under {@code document} that is not an image (a signature, an
     * SBOM, an attestation the source holds): they are checked against digest and size only. Index entries the
     * source does not hold are left out, as the source's images leave them (a layout may keep only some platforms).
     */
    private void artifactBlobs(ManifestDocument document, Set<Digest> covered, Map<Descriptor, Digest> blobs, int depth,
                               List<String> problems) {
        if (document instanceof ImageManifest manifest) {
            if (covered.add(manifest.digest())) {
                blobs.putIfAbsent(manifest.config(), null);
                manifest.layers().forEach(layer -> blobs.putIfAbsent(layer, null));
            }
            return;
        }
        if (depth >= MAX_NESTING) {
            return;
        }
        for (Descriptor child : ((ImageIndex) document).manifests()) {
            if (covered.contains(child.digest())
                    || !MediaTypes.isImageManifest(child.mediaType()) && !MediaTypes.isIndex(child.mediaType())) {
                continue;
            }
            ManifestDocument manifest;
            try (InputStream in = source.open(child)) {
                manifest = ManifestDocument.parse(in.readNBytes(ManifestDocument.MAX_SIZE + 1), child.mediaType(),
                        "manifest " + child.digest());
            } catch (FileNotFoundException | NoSuchFileException absent) {
                continue;
            } catch (IOException | ContentException | ManifestException e) {
                problems.add(e instanceof IOException ? "manifest " + child.digest() + ": " + message(e) : e.getMessage());
                continue;
            }
            artifactBlobs(manifest, covered, blobs, depth + 1, problems);
        }
    }

    /** Adds what is wrong with {@code blob} (if anything) to {@code problems}. */
    private static void problem(Descriptor blob, Digest diffId, CompletableFuture<Digest> check, List<String> problems) {
        try {
            Digest uncompressed = check.join();
            if (diffId != null && !diffId.equals(uncompressed)) {
                problems.add("layer " + blob.digest() + " uncompresses to " + uncompressed + ", not the config's diff id "
                        + diffId);
            }
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            problems.add(cause instanceof ContentException || cause instanceof ManifestException
                    || cause instanceof BlobFailure ? cause.getMessage() : "blob " + blob.digest() + ": " + message(cause));
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Reads the whole blob through the verifying stream; for a layer, returns its uncompressed digest. */
    private Digest check(Descriptor blob, boolean layer) {
        try (InputStream in = source.open(blob)) {
            if (!layer) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                return null;
            }
            MessageDigest hasher = Digest.newSha256();
            byte[] buf = new byte[256 * 1024];
            try {
                InputStream plain = Compression.decompressing(in);
                for (int n; (n = plain.read(buf)) != -1; ) {
                    hasher.update(buf, 0, n);
                }
            } catch (IOException undecompressable) {
                // A damaged blob usually breaks its compression first: the digest, checked at the end of the
                // blob, is the real finding then; if it holds, the blob was compressed wrongly from the start.
                in.transferTo(java.io.OutputStream.nullOutputStream());
                throw undecompressable;
            }
            // Read to the end of the blob too: the verifying stream checks size and digest at its end.
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return Digest.sha256(hasher.digest());
        } catch (IOException e) {
            throw new CompletionException(new BlobFailure("blob " + blob.digest() + ": " + message(e), e));
        }
    }

    /** A blob that could not be read or decompressed, its message naming it. */
    private static final class BlobFailure extends IOException {
        BlobFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
