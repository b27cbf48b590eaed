package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ImageSource;
import dev.exporter.image.ManifestDocument;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.ManifestPusher;
import dev.exporter.registry.RegistryClient;
import dev.exporter.remote.BlobContent;
import dev.exporter.remote.BlobPush;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.Futures;
import dev.exporter.transfer.TempPaths;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Push in two steps, like export: {@link #plan} reads what each image of a source needs (its documents and blobs,
 * verified), {@link #push} sends it. Blobs of every image go up concurrently; an image's manifests follow only when
 * all of its blobs are there, children before their index, and its tags come last, so a failed or interrupted push
 * never leaves a tag on a partial image. A blob this run put into one repository of a registry is mounted into the
 * others. A docker-save archive's layers are gzip-compressed on the way ({@link GzipLayers}) and get a new manifest
 * with the original config, so the image id stays; an OCI layout's content goes up byte for byte.
 */
public final class Pusher {

    /** One job made ready: what its image consists of. */
    public record Planned(PushJob job, SourceTree tree, boolean recompressed) {

        /** The blobs as the source holds them (before any compression). */
        public List<Descriptor> blobs() {
            return tree.blobs();
        }

        /** The blobs whose digests are known before they are sent: all but layers still to be compressed. */
        public List<Descriptor> blobsAsSent() {
            return recompressed ? tree.blobs().stream().filter(b -> !GzipLayers.needed(b)).toList() : tree.blobs();
        }
    }

    private final RegistryClient client;
    private final BlobPush blobs;
    private final int jobs;
    private final int threads;
    private final Path workParent;
    private final Path cache;
    private final PushListener listener;
    private final Map<String, CompletableFuture<ImageReference>> holders = new ConcurrentHashMap<>();
    /** Per registry and uncompressed layer: where this run put the layer's compressed form, and as what. */
    private final Map<String, CompletableFuture<Placed>> placedLayers = new ConcurrentHashMap<>();

    /** A compressed layer in a repository. */
    private record Placed(ImageReference repository, Descriptor blob) {
    }

    /**
     * @param jobs       blobs pushed at once
     * @param threads    cores used to compress a docker archive's layers
     * @param workParent where the temporary folder for compressed layers goes
     * @param cache      where what a docker archive's layers compressed to is remembered between runs, or null
     */
    public Pusher(RegistryClient client, int jobs, int threads, Path workParent, Path cache, PushListener listener) {
        this.client = client;
        this.blobs = new BlobPush(client);
        this.jobs = jobs;
        this.threads = threads;
        this.workParent = workParent;
        this.cache = cache;
        this.listener = listener;
    }

    /** Reads the documents of every job's image from {@code source}; nothing is sent yet. */
    public List<Planned> plan(ImageSource source, List<PushJob> pushJobs) throws IOException {
        List<Planned> planned = new ArrayList<>();
        for (PushJob job : pushJobs) {
            String what = "push " + describe(job);
            SourceTree tree = SourceTree.of(source, job.image(), what, listener);
            planned.add(new Planned(job, tree, source.madeUpManifests()));
        }
        return planned;
    }

    /** Sends every planned image to its targets; returns what each target received, in job order. */
    public List<PushResult> push(ImageSource source, List<Planned> planned) throws IOException {
        Path work = TempPaths.createDirectory(workParent, ".exporter-push-");
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "exporter-push");
            t.setDaemon(true);
            return t;
        });
        try (GzipLayers gzip = new GzipLayers(source, work, threads, cache, listener)) {
            AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            // every blob of every target repository once, in job order
            Map<String, Upload> uploads = new LinkedHashMap<>();
            for (Planned p : planned) {
                for (ImageReference repository : repositories(p.job())) {
                    for (Descriptor blob : p.blobs()) {
                        uploads.putIfAbsent(repository.fullName() + " " + blob.digest(), new Upload(p, repository, blob));
                    }
                }
            }
            // how many pushes read each blob, so a compressed copy goes when the last of them is done
            Map<Digest, AtomicInteger> uses = new ConcurrentHashMap<>();
            uploads.values().forEach(u -> uses.computeIfAbsent(u.blob().digest(), d -> new AtomicInteger()).incrementAndGet());
            // the largest first, so the longest uploads do not start last (a stable sort: one blob's first
            // repository stays first, and the others mount from it)
            Map<String, CompletableFuture<Descriptor>> tasks = new LinkedHashMap<>();
            for (Map.Entry<String, Upload> entry : Downloads.largestFirst(uploads.entrySet(), e -> e.getValue().blob().size())) {
                Upload u = entry.getValue();
                tasks.put(entry.getKey(), CompletableFuture.supplyAsync(() -> {
                    try {
                        Descriptor pushed = pushBlob(source, gzip, u.planned(), u.repository(), u.blob());
                        if (uses.get(u.blob().digest()).decrementAndGet() == 0) {
                            gzip.release(u.blob().digest()); // a compressed copy no other push needs
                        }
                        return pushed;
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                }, pool).whenComplete((done, failure) -> {
                    // the first failure stops the others: no image is finished after it
                    if (failure != null && firstFailure.compareAndSet(null, failure)) {
                        pool.shutdownNow();
                    }
                }));
            }
            List<PushResult> results = new ArrayList<>();
            for (Planned p : planned) {
                List<CompletableFuture<Descriptor>> mine = new ArrayList<>();
                for (ImageReference repository : repositories(p.job())) {
                    p.blobs().forEach(blob -> mine.add(tasks.get(repository.fullName() + " " + blob.digest())));
                }
                try {
                    Futures.awaitAll(mine);
                } catch (IOException | RuntimeException e) {
                    // the failure that stopped the push, not the interrupted uploads it left behind
                    throw Futures.rethrow(firstFailure.get() != null ? firstFailure.get() : e);
                }
                results.addAll(pushManifests(p, tasks));
            }
            return results;
        } finally {
            pool.shutdownNow();
            TempPaths.delete(work);
        }
    }

    /** One blob into one repository. */
    private record Upload(Planned planned, ImageReference repository, Descriptor blob) {
    }

    private Descriptor pushBlob(ImageSource source, GzipLayers gzip, Planned planned, ImageReference repository,
                                Descriptor blob) throws IOException {
        if (planned.recompressed() && GzipLayers.needed(blob)) {
            return pushCompressed(gzip, repository, blob);
        }
        send(repository, blob, offset -> {
            InputStream in = source.open(blob);
            in.skipNBytes(offset);
            return in;
        });
        return blob;
    }

    /**
     * An uncompressed layer gzip'd into {@code repository}: when what it compresses to is known (the first push
     * into this registry is done, or an earlier run remembered it) and the repository has it or can mount it,
     * nothing is compressed or sent; else its compressed bytes go up as they are made.
     */
    private Descriptor pushCompressed(GzipLayers gzip, ImageReference repository, Descriptor layer) throws IOException {
        String what = "push layer " + layer.digest() + " to " + repository.fullName();
        CompletableFuture<Placed> mine = new CompletableFuture<>();
        CompletableFuture<Placed> first = placedLayers.putIfAbsent(repository.registry() + " " + layer.digest(), mine);
        Placed from = first == null ? null : waitFor(first, what);
        listener.started(layer, false);
        try {
            Descriptor known = from != null ? from.blob() : gzip.known(layer);
            BlobPush.Outcome outcome = known == null ? null
                    : blobs.place(repository, known, from == null ? null : from.repository());
            Descriptor pushed;
            if (outcome != null) {
                pushed = known;
                listener.skipped(layer, outcome == BlobPush.Outcome.EXISTS ? "Layer already exists"
                        : "Mounted from " + from.repository().repository());
            } else {
                pushed = blobs.push(repository, gzip.compressing(layer, what), what);
                listener.finished(layer);
            }
            if (first == null) {
                mine.complete(new Placed(repository, pushed));
            }
            return pushed;
        } catch (RuntimeException | Error e) {
            if (first == null) {
                mine.completeExceptionally(e);
            }
            throw e;
        }
    }

    /** What another push of the same blob did, or null when it failed (this push then goes on its own). */
    private static <T> T waitFor(CompletableFuture<T> other, String what) throws IOException {
        try {
            return other.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted");
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** Puts {@code blob} into {@code repository}, mounting it from where this run already put it. */
    private void send(ImageReference repository, Descriptor blob, BlobContent content) throws IOException {
        String key = repository.registry() + " " + blob.digest();
        CompletableFuture<ImageReference> mine = new CompletableFuture<>();
        CompletableFuture<ImageReference> holder = holders.putIfAbsent(key, mine);
        ImageReference from = holder == null ? null : waitFor(holder, "push blob " + blob.digest());
        listener.started(blob, false);
        try {
            BlobPush.Outcome outcome = blobs.push(repository, blob, content, from, listener);
            switch (outcome) {
                case EXISTS -> listener.skipped(blob, "Layer already exists");
                case MOUNTED -> listener.skipped(blob, "Mounted from " + from.repository());
                case UPLOADED -> listener.finished(blob);
            }
            if (holder == null) {
                mine.complete(repository);
            }
        } catch (RuntimeException | Error e) {
            if (holder == null) {
                mine.completeExceptionally(e);
            }
            throw e;
        }
    }

    /** Pushes a job's manifests (its blobs are all there), children first, and its tags last. */
    private List<PushResult> pushManifests(Planned planned, Map<String, CompletableFuture<Descriptor>> tasks) {
        List<PushResult> results = new ArrayList<>();
        Set<String> childrenPushed = new LinkedHashSet<>();
        for (ImageReference target : planned.job().targets()) {
            List<Descriptor> pushedBlobs = new ArrayList<>();
            for (Descriptor blob : planned.blobs()) {
                pushedBlobs.add(tasks.get(target.fullName() + " " + blob.digest()).join());
            }
            ManifestDocument root = planned.recompressed() ? recompressed(planned, pushedBlobs) : planned.tree().root();
            List<ManifestDocument> documents = planned.recompressed() ? List.of(root) : planned.tree().documents();
            if (childrenPushed.add(target.fullName())) {
                for (ManifestDocument document : documents) {
                    if (document != root) {
                        client.call(target, new ManifestPusher(target, document.digest().toString(), document.raw(),
                                document.mediaType()));
                    }
                }
            }
            String reference = target.tag() != null ? target.tag() : root.digest().toString();
            ManifestPusher.Pushed pushed = client.call(target, new ManifestPusher(target, reference, root.raw(),
                    root.mediaType()));
            Digest subject = target.tag() == null ? FallbackTag.subject(root) : null;
            if (subject != null && pushed.subject() == null) {
                // a referrer known only by its subject, into a registry without the referrers API
                FallbackTag.add(client, target, root, subject);
            }
            long bytes = pushedBlobs.stream().mapToLong(Descriptor::size).sum();
            results.add(new PushResult(target, root.digest(), root.digest().equals(planned.job().image().root().digest()),
                    documents.size(), pushedBlobs.size(), bytes));
        }
        return results;
    }

    /** A docker-save image's manifest made anew: its config as it was, its layers as compressed. */
    private static ImageManifest recompressed(Planned planned, List<Descriptor> pushedBlobs) {
        ImageManifest original = (ImageManifest) planned.tree().root();
        Map<Digest, Descriptor> byOriginal = new LinkedHashMap<>();
        for (int i = 0; i < pushedBlobs.size(); i++) {
            byOriginal.put(planned.blobs().get(i).digest(), pushedBlobs.get(i));
        }
        List<Descriptor> layers = original.layers().stream().map(l -> byOriginal.getOrDefault(l.digest(), l)).toList();
        return ImageManifest.dockerV2(original.config(), layers, "push " + describe(planned.job()));
    }

    /** The distinct repositories of a job's targets (several tags of one repository share its blobs). */
    private static List<ImageReference> repositories(PushJob job) {
        Map<String, ImageReference> distinct = new LinkedHashMap<>();
        job.targets().forEach(t -> distinct.putIfAbsent(t.fullName(), t));
        return List.copyOf(distinct.values());
    }

    private static String describe(PushJob job) {
        return job.image().names().isEmpty() ? job.image().root().digest().toString()
                : dev.exporter.text.Printable.line(job.image().names().get(0));
    }
}
