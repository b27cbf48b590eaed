package dev.exporter.remote;

import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.Referrer;
import dev.exporter.image.Referrer.Found;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.ManifestChecker;
import dev.exporter.registry.RawManifest;
import dev.exporter.registry.RawManifestPuller;
import dev.exporter.registry.ReferrersLister;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.text.Printable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds what refers to exported manifests, at the registry: the OCI 1.1 referrers API, or on registries without it
 * (404) the {@code sha256-<hex>} tag's index, plus cosign's {@code sha256-<hex>.sig}, {@code .att} and {@code .sbom}
 * tags, probed with {@code HEAD} (Docker Hub does not count those against pull limits). Everything found is a
 * subject in turn, so a signature of an SBOM comes along. Every subject's probes run concurrently; what is held in memory
 * (manifests only; their blobs are streamed by the sinks) is capped.
 */
public final class Referrers {

    static final List<String> COSIGN_SUFFIXES = List.of(".sig", ".att", ".sbom");
    /** Signature of an attestation of an SBOM... deeper than this is a loop in disguise. */
    static final int MAX_DEPTH = 8;
    static final int MAX_REFERRERS = 1000;
    static final long MAX_BYTES = 64L * 1024 * 1024;
    private static final int MAX_NESTING = 4;

    /**
     * What a walk found.
     *
     * @param skipped referrers that were left out, in words (a manifest type this tool cannot read)
     */
    public record Result(List<Referrer> referrers, List<String> skipped) {
        public Result {
            referrers = List.copyOf(referrers);
            skipped = List.copyOf(skipped);
        }
    }

    /** One walk's notes and its budget: how many manifests and bytes it has pulled, across its threads. */
    private static final class Walk {
        final List<String> skipped = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger manifests = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();

        void charge(ImageReference reference, int size) {
            if (manifests.incrementAndGet() > MAX_REFERRERS || bytes.addAndGet(size) > MAX_BYTES) {
                throw new RegistryException(Kind.INVALID_CONTENT, 0, "find referrers of " + reference.fullName()
                        + ": more than " + MAX_REFERRERS + " referrers or " + MAX_BYTES / (1024 * 1024)
                        + " MiB of their manifests");
            }
        }
    }

    /**
     * A manifest whose referrers are looked for.
     *
     * @param repository the name it is exported under (what the layout names referrers by)
     * @param location   where requests go: the repository's primary location (a registries.conf rewrite may move it)
     * @param client     the client that reaches {@code location}
     */
    private record Subject(ImageReference repository, ImageReference location, RegistryClient client, Digest digest) {
        String key() {
            return repository.fullName() + "@" + digest;
        }

        /** Another manifest in the same repository. */
        Subject of(Digest other) {
            return new Subject(repository, location, client, other);
        }

        /** {@code tag} or {@code digest} (one of them null) in the repository, as named, and where it is asked for. */
        ImageReference named(String tag, Digest digest) {
            return new ImageReference(repository.registry(), repository.repository(), tag, digest);
        }

        ImageReference located(String tag, Digest digest) {
            return new ImageReference(location.registry(), location.repository(), tag, digest);
        }
    }

    private final PullSources pulls;
    private final int jobs;
    /** The probes of subjects started before {@link #collect} (see {@link #prestart}), by subject key. */
    private final Map<String, List<CompletableFuture<List<Referrer>>>> started = new ConcurrentHashMap<>();
    private final Walk walk = new Walk();
    private ExecutorService pool;

    /** @param pulls where images are pulled from: referrers are looked for at each one's primary location */
    public Referrers(PullSources pulls, int jobs) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
        }
        this.pulls = pulls;
        this.jobs = jobs;
    }

    /**
     * Every referrer of every manifest of {@code images} and of the index their references named (also when only
     * some platforms are kept: a tag's signature is usually the index's), and of those referrers in turn.
     */
    public Result collect(List<ResolvedImage> images) {
        ExecutorService pool = pool();
        try {
            Set<String> seen = new HashSet<>();
            List<Subject> level = new ArrayList<>();
            for (ResolvedImage image : images) {
                for (Subject subject : subjects(image)) {
                    if (seen.add(subject.key())) {
                        level.add(subject);
                    }
                }
            }
            Map<String, Referrer> found = new LinkedHashMap<>();
            for (int depth = 0; !level.isEmpty(); depth++) {
                if (depth >= MAX_DEPTH) {
                    throw new RegistryException(Kind.INVALID_CONTENT, 0, "find referrers of "
                            + level.get(0).repository().fullName() + "@" + level.get(0).digest()
                            + ": referrers nested more than " + MAX_DEPTH + " deep");
                }
                List<CompletableFuture<List<Referrer>>> probes = new ArrayList<>();
                List<Subject> probed = new ArrayList<>();
                for (Subject subject : level) {
                    List<CompletableFuture<List<Referrer>>> early = started.remove(subject.key());
                    for (CompletableFuture<List<Referrer>> probe : early != null ? early : probes(subject, pool)) {
                        probes.add(probe);
                        probed.add(subject);
                    }
                }
                List<Subject> next = new ArrayList<>();
                for (int p = 0; p < probes.size(); p++) {
                    Subject origin = probed.get(p);
                    for (Referrer referrer : join(probes.get(p))) {
                        if (found.putIfAbsent(key(referrer), referrer) != null) {
                            continue;
                        }
                        Subject subject = origin.of(referrer.document().digest());
                        if (seen.add(subject.key())) {
                            next.add(subject);
                        }
                    }
                }
                level = next;
            }
            return new Result(named(found.values()), walk.skipped);
        } finally {
            synchronized (this) {
                pool.shutdownNow();
                this.pool = null;
            }
        }
    }

    /**
     * Starts probing manifest {@code digest} of {@code reference} for referrers now, for {@link #collect} to use when
     * it comes to that subject: lets the probes go out while the image's config is still being fetched. Probes of a
     * subject that {@code collect} never reaches are dropped with their answers.
     */
    public void prestart(ImageReference reference, Digest digest) {
        PullSources.Place primary = pulls.primary(reference);
        Subject subject = new Subject(reference, primary.reference(), primary.client(), digest);
        started.computeIfAbsent(subject.key(), key -> probes(subject, pool()));
    }

    /**
     * The requests that find {@code subject}'s referrers, all at once: the referrers API, with the fallback tag's
     * {@code HEAD} beside it (its answer only counts where the API has nothing: sent together they cost one round trip
     * instead of two), and the cosign tags. The fallback probe is queued before the API's, which waits for it: the
     * pool runs tasks in order, so it never waits for one that no thread has taken.
     */
    private List<CompletableFuture<List<Referrer>>> probes(Subject subject, ExecutorService pool) {
        CompletableFuture<ManifestChecker.Head> fallback = fallbackTag(subject.digest())
                .map(tag -> CompletableFuture.supplyAsync(() -> head(subject, subject.located(tag, null), false), pool))
                .orElse(null);
        List<CompletableFuture<List<Referrer>>> probes = new ArrayList<>();
        probes.add(CompletableFuture.supplyAsync(() -> listed(subject, fallback, walk), pool));
        for (String tag : cosignTags(subject.digest())) {
            probes.add(CompletableFuture.supplyAsync(() -> tagged(subject, tag, head(subject, subject.located(tag, null),
                    false), walk), pool));
        }
        return probes;
    }

    /**
     * Signs that {@code image} has referrers, without fetching them, for a format that cannot carry them: the
     * tags found, or that the referrers API lists some. Every request is made once, without retries, and a failure
     * ends the search: this only feeds a note. Empty when there are none.
     */
    public List<String> evidence(ResolvedImage image) {
        List<String> signs = new ArrayList<>();
        try {
            for (Subject subject : subjects(image)) {
                Optional<List<ReferrersLister.Listed>> listed = new ReferrersLister(subject.client())
                        .firstPage(subject.location(), subject.digest());
                if (listed.isPresent() && !listed.get().isEmpty()) {
                    signs.add("referrers API entries for " + subject.digest());
                }
                List<String> tags = new ArrayList<>();
                if (listed.isEmpty()) {
                    fallbackTag(subject.digest()).ifPresent(tags::add);
                }
                cosignTags(subject.digest()).forEach(tags::add);
                for (String tag : tags) {
                    if (head(subject, subject.located(tag, null), true) != null) {
                        signs.add("tag " + tag);
                    }
                }
            }
        } catch (RegistryException e) {
            // a hint that cannot be had is no hint
        }
        return signs;
    }

    /** The manifests of {@code image} that the registry holds: its index (not a subset made here) and platforms. */
    private List<Subject> subjects(ResolvedImage image) {
        PullSources.Place primary = pulls.primary(image.reference());
        Set<Digest> digests = new LinkedHashSet<>();
        if (image.index() != null) {
            digests.add(image.index().digest());
        }
        for (Image platform : image.images()) {
            digests.add(platform.manifest().digest());
        }
        return digests.stream().map(d -> new Subject(image.reference(), primary.reference(), primary.client(), d)).toList();
    }

    /**
     * What the referrers API lists for {@code subject}, or where it has none, the fallback tag's index ({@code fallback}:
     * the tag's {@code HEAD}, null when the digest has no fallback tag).
     */
    private List<Referrer> listed(Subject subject, CompletableFuture<ManifestChecker.Head> fallback, Walk walk) {
        Optional<List<ReferrersLister.Listed>> listed = new ReferrersLister(subject.client())
                .list(subject.location(), subject.digest(), null);
        if (listed.isEmpty()) {
            return fallback == null ? List.of() : tagged(subject, fallbackTag(subject.digest()).orElseThrow(),
                    join(fallback), walk);
        }
        List<Referrer> found = new ArrayList<>();
        for (ReferrersLister.Listed entry : listed.get()) {
            Digest digest = entry.descriptor().digest();
            fetch(subject, subject.located(null, digest), entry.descriptor().size(), walk).ifPresent(document ->
                    add(found, subject, new Referrer(subject.named(null, digest), document, subject.digest(),
                            Found.REFERRERS_API), walk, 0));
        }
        return found;
    }

    /** What {@code tag} holds, pulled by the digest its {@code HEAD} gave; nothing when there is no such tag (null). */
    private List<Referrer> tagged(Subject subject, String tag, ManifestChecker.Head head, Walk walk) {
        if (head == null) {
            return List.of();
        }
        Optional<ManifestDocument> document = fetch(subject, head.digest() != null ? subject.located(null, head.digest())
                : subject.located(tag, null), -1, walk);
        List<Referrer> found = new ArrayList<>();
        document.ifPresent(d -> add(found, subject, new Referrer(subject.named(tag, null), d, subject.digest(), Found.TAG),
                walk, 0));
        return found;
    }

    /** Adds {@code referrer} and, for an index, the manifests it lists (which it names). */
    private void add(List<Referrer> found, Subject subject, Referrer referrer, Walk walk, int nesting) {
        found.add(referrer);
        if (!(referrer.document() instanceof ImageIndex index)) {
            return;
        }
        if (nesting >= MAX_NESTING) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, "find referrers: " + referrer.reference()
                    + ": indexes nested more than " + MAX_NESTING + " deep");
        }
        for (Descriptor entry : index.manifests()) {
            fetch(subject, subject.located(null, entry.digest()), entry.size(), walk).ifPresent(document ->
                    add(found, subject, new Referrer(subject.named(null, entry.digest()), document, referrer.subject(),
                            Found.LISTED), walk, nesting + 1));
        }
    }

    /**
     * The manifest {@code reference} names, checked against {@code size} (unless -1) and parsed; empty, with a
     * note, when it is of a kind this tool cannot read.
     */
    private Optional<ManifestDocument> fetch(Subject subject, ImageReference reference, long size, Walk walk) {
        RawManifest raw = subject.client().call(reference, new RawManifestPuller(reference));
        walk.charge(reference, raw.raw().length);
        if (size >= 0 && raw.raw().length != size) {
            throw new RegistryException(Kind.INVALID_CONTENT, 0, "pull manifest " + reference + ": size "
                    + raw.raw().length + " differs from the listed " + size);
        }
        try {
            return Optional.of(ManifestDocument.parse(raw.raw(), raw.contentType(), "pull manifest " + reference));
        } catch (ManifestException e) {
            walk.skipped.add(Printable.line(e.getMessage()));
            return Optional.empty();
        }
    }

    /** What the tag points at, or null when the registry has no such tag; {@code once}: without retries. */
    private static ManifestChecker.Head head(Subject subject, ImageReference tagged, boolean once) {
        RegistryClient client = subject.client();
        try {
            return once ? client.callOnce(tagged, new ManifestChecker(tagged)) : client.call(tagged, new ManifestChecker(tagged));
        } catch (RegistryException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** The distribution spec's fallback tag {@code sha256-<hex>}; none for digests whose tag would be too long. */
    private static Optional<String> fallbackTag(Digest digest) {
        return "sha256".equals(digest.algorithm()) ? Optional.of("sha256-" + digest.hex()) : Optional.empty();
    }

    private static List<String> cosignTags(Digest digest) {
        return fallbackTag(digest).map(tag -> COSIGN_SUFFIXES.stream().map(s -> tag + s).toList()).orElse(List.of());
    }

    /** Tags name their entries (each tag once); others are known by digest in their repository. */
    private static String key(Referrer referrer) {
        return switch (referrer.found()) {
            case TAG -> "tag " + referrer.reference();
            case REFERRERS_API, LISTED -> referrer.found() + " " + referrer.reference().fullName() + "@"
                    + referrer.document().digest();
        };
    }

    /** Leaves out referrers-API entries that a tag also names: the tag's entry restores them. */
    private static List<Referrer> named(Collection<Referrer> found) {
        Set<String> tagged = new HashSet<>();
        found.stream().filter(r -> r.found() != Found.REFERRERS_API)
                .forEach(r -> tagged.add(r.reference().fullName() + "@" + r.document().digest()));
        return found.stream().filter(r -> r.found() != Found.REFERRERS_API
                || !tagged.contains(r.reference().fullName() + "@" + r.document().digest())).toList();
    }

    /** One pool for the prestarted probes and the walk; its threads go when idle, so a walk never run leaves none. */
    private synchronized ExecutorService pool() {
        if (pool == null) {
            int threads = Math.min(jobs, 8);
            ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "exporter-referrers");
                        t.setDaemon(true);
                        return t;
                    });
            executor.allowCoreThreadTimeOut(true);
            pool = executor;
        }
        return pool;
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }
}
