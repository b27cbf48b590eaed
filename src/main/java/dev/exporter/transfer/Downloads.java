package dev.exporter.transfer;

import dev.exporter.image.BlobSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * How a sink fetches blobs in this run: concurrency, the shared cache (if any), the run's own temporary folder and
 * who hears about progress.
 *
 * @param jobs  concurrent blob downloads
 * @param work  this run's temporary folder (on the output's file system, so renames are atomic); deleted after
 * @param cache a blob cache folder shared between runs, or null to keep nothing
 */
public record Downloads(BlobSource source, int jobs, Path work, Path cache, ProgressListener progress) {

    public Downloads {
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
        progress = progress == null ? ProgressListener.NONE : progress;
    }

    /** The shared cache's blob store, or null without a cache. */
    public BlobStore cacheStore() {
        return cache == null ? null : new BlobStore(cache.resolve("blobs"));
    }

    /** The shared cache when there is one, else a store inside this run's temporary folder. */
    public BlobStore cacheOrWork() {
        return new BlobStore(cache != null ? cache.resolve("blobs") : work.resolve("blobs"));
    }

    /** A fetcher from the plan's source into {@code store}, reporting progress. */
    public BlobFetcher fetcher(BlobStore store) {
        return fetcher(store, progress);
    }

    public BlobFetcher fetcher(BlobStore store, ProgressListener listener) {
        return new BlobFetcher(source, store, jobs, listener);
    }

    /**
     * {@code items} in the order to start their downloads: the largest first (ties as they come), so the longest
     * downloads do not start last and run alone at the end while the other connections idle.
     */
    public static <T> List<T> largestFirst(Collection<T> items, ToLongFunction<T> size) {
        List<T> order = new ArrayList<>(items);
        order.sort(Comparator.comparingLong(size).reversed());
        return order;
    }
}
