package dev.exporter.transfer;

import dev.exporter.image.BlobSource;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Downloads blobs concurrently into a {@link BlobStore}, each blob at most once per run however many images
 * share it. Work queued with {@link #then} runs on the same pool right after a download, so per-layer
 * post-processing (decompression) overlaps with other downloads.
 */
public final class BlobFetcher implements AutoCloseable {

    private final BlobSource source;
    private final BlobStore store;
    private final ProgressListener progress;
    private final ExecutorService pool;
    private final Map<Digest, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();
    private final int jobs;
    /** Blobs this large are fetched in segments of {@link #segmentSize} bytes over parallel connections. */
    private final long segmentThreshold;
    private final long segmentSize;
    private volatile boolean rangesNotServed;
    private ExecutorService segments;

    /**
     * Blobs of at least this size are fetched in segments ({@link SegmentedDownload}) from a registry that is not
     * close by: 16 MiB, about a second of one capped connection (a 34 MB layer through the benchmark's WAN took
     * 2.8 s as one stream, 1.6 s in segments); the system property {@code exporter.segmentThreshold} sets another
     * (tests shrink it to segment small images end to end).
     */
    public static final long SEGMENT_THRESHOLD = 16L * 1024 * 1024;
    /**
     * The largest range a connection asks for at once ({@code exporter.segmentSize}): large, because every request
     * costs a round trip and work stealing evens out the end anyway.
     */
    public static final long SEGMENT_SIZE = 64L * 1024 * 1024;

    public BlobFetcher(BlobSource source, BlobStore store, int jobs, ProgressListener progress) {
        this(source, store, jobs, progress, Long.getLong("exporter.segmentThreshold", SEGMENT_THRESHOLD),
                Long.getLong("exporter.segmentSize", SEGMENT_SIZE));
    }

    public BlobFetcher(BlobSource source, BlobStore store, int jobs, ProgressListener progress, long segmentThreshold,
                       long segmentSize) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
        }
        this.source = source;
        this.jobs = jobs;
        this.segmentThreshold = segmentThreshold;
        this.segmentSize = segmentSize;
        this.store = store;
        this.progress = progress;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "exporter-download-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Whether {@code blob} would come in segments when it lands in a file (the store, or a region): a caller that
     * would only stream it does better landing it in a file of the store then. Not from a source close by
     * ({@link BlobSource#nearby}): one connection to it is as fast as several, and ranges would only cost requests
     * and a read-back.
     */
    public boolean segments(ImageReference repository, Descriptor blob) {
        return blob.size() >= segmentThreshold && !rangesNotServed && !source.nearby(repository);
    }

    /** The blob's path in the store once it is there and verified; downloads it unless it already is. */
    public CompletableFuture<Path> fetch(ImageReference repository, Descriptor blob) {
        return fetch(repository, blob, null);
    }

    /**
     * Like {@link #fetch(ImageReference, Descriptor)}, letting {@code tap} (may be null) read the bytes as they
     * arrive. The tap of the first caller for a digest is the one used.
     */
    public CompletableFuture<Path> fetch(ImageReference repository, Descriptor blob, Tap tap) {
        return inFlight.computeIfAbsent(blob.digest(), digest -> CompletableFuture.supplyAsync(() -> {
            if (store.contains(blob)) {
                progress.started(blob, true);
                progress.finished(blob);
                return store.path(digest);
            }
            return get(repository, blob, Landing.store(store, digest), tap);
        }, pool));
    }

    /**
     * Downloads {@code blob} straight to {@code landing}, bypassing the store: into a region of an archive, or only
     * through {@code tap} ({@link Landing#nowhere()}). Completes with what {@link Landing#commit()} returns.
     */
    public CompletableFuture<Path> download(ImageReference repository, Descriptor blob, Landing landing, Tap tap) {
        return inFlight.computeIfAbsent(blob.digest(),
                digest -> CompletableFuture.supplyAsync(() -> get(repository, blob, landing, tap), pool));
    }

    private Path get(ImageReference repository, Descriptor blob, Landing landing, Tap tap) {
        progress.started(blob, false);
        if (segments(repository, blob)) {
            try {
                Landing.Region region = landing.positional();
                if (region != null) {
                    return segmented(repository, blob, landing, region, tap);
                }
            } catch (IOException e) {
                landing.discard();
                throw new UncheckedIOException(source.describe(repository, blob) + ": " + FileErrors.describe(e), e);
            }
        }
        BlobDownload download = new BlobDownload(blob, landing, progress, source.describe(repository, blob), tap);
        try {
            Path path = source.read(repository, blob, download);
            progress.finished(blob);
            return path;
        } catch (RuntimeException e) {
            download.discard();
            throw e;
        }
    }

    /** Several ranges at once; falls back to one stream (for this and every later blob) if ranges are not served. */
    private Path segmented(ImageReference repository, Descriptor blob, Landing landing, Landing.Region region, Tap tap)
            throws IOException {
        SegmentedDownload download = new SegmentedDownload(source, repository, blob, region, segmentSize, progress);
        try {
            download.run(segmentPool(), jobs, tap);
            Path path = landing.commit();
            progress.finished(blob);
            return path;
        } catch (BlobSource.RangesNotServed e) {
            rangesNotServed = true;
            progress.transferred(blob, -download.reported());
            return get(repository, blob, landing, tap);
        } catch (RuntimeException | IOException e) {
            landing.discard();
            throw e;
        }
    }

    private synchronized ExecutorService segmentPool() {
        if (segments == null) {
            AtomicInteger n = new AtomicInteger();
            segments = Executors.newFixedThreadPool(jobs, r -> {
                Thread t = new Thread(r, "exporter-segment-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return segments;
    }

    /**
     * The last {@code length} bytes of {@code blob}, unverified (a hint): from the store when it holds a file of the
     * blob's size, else as the source tells it cheaply (a registry: one {@code Range} request); null when neither
     * can.
     */
    public CompletableFuture<byte[]> tail(ImageReference repository, Descriptor blob, int length) {
        return CompletableFuture.supplyAsync(() -> {
            if (blob.size() < length) {
                return null;
            }
            Path stored = store.path(blob.digest());
            try (FileChannel in = FileChannel.open(stored, StandardOpenOption.READ)) {
                if (in.size() == blob.size()) {
                    ByteBuffer tail = ByteBuffer.allocate(length);
                    while (tail.hasRemaining() && in.read(tail, blob.size() - tail.remaining()) > 0) {
                        // positional reads until the buffer is full
                    }
                    return tail.hasRemaining() ? null : tail.array();
                }
            } catch (IOException notStored) {
                // ask the registry
            }
            return source.tail(repository, blob, length);
        }, pool);
    }

    /** Runs {@code step} on the download pool once {@code future} completes. */
    public <A, B> CompletableFuture<B> then(CompletableFuture<A> future, Function<A, B> step) {
        return future.thenApplyAsync(step, pool);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (segments != null) {
                segments.shutdownNow();
            }
        }
        pool.shutdownNow();
        try {
            // Let interrupted downloads stop before the caller deletes the folder they write into.
            pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
