package dev.exporter.remote;

import dev.exporter.image.BlobSource;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.RegistryResponse;
import dev.exporter.registry.http.NetworkException;
import dev.exporter.remote.PullSources.Place;
import dev.exporter.text.Printable;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A registry as a {@link BlobSource}, reading each image's blobs where {@link RegistryImages} found it: each read is a {@code GET /v2/<name>/blobs/<digest>} run by the client (auth,
 * redirects, retries). An attempt after a broken connection asks for the rest with {@code Range}; an answer that is
 * not exactly the rest makes the reader start over on the next attempt.
 */
public final class RegistryBlobs implements BlobSource {

    /** The length of a gzip trailer's size field, the tail that can be asked for ahead. */
    static final int TRAILER = 4;

    /** Where the blobs of each image's reference are read: where the image was found. */
    private final Function<ImageReference, Place> places;
    /** Trailers already asked for ({@link RegistryImages#prefetchTail}); each answers one {@link #tail} call. */
    private final Map<Digest, CompletableFuture<byte[]>> prefetched;

    public RegistryBlobs(RegistryClient client) {
        this(PullSources.direct(client)::primary);
    }

    RegistryBlobs(Function<ImageReference, Place> places) {
        this(places, new ConcurrentHashMap<>());
    }

    RegistryBlobs(Function<ImageReference, Place> places, Map<Digest, CompletableFuture<byte[]>> prefetched) {
        this.places = places;
        this.prefetched = prefetched;
    }

    @Override
    public <T> T read(ImageReference image, Descriptor blob, BlobRead<T> read) {
        Place place = places.apply(image);
        ImageReference repository = place.reference();
        return place.call(new BlobPuller<>(repository, blob.digest(), new BlobPuller.BlobReader<T>() {
            private boolean refused;

            @Override
            public Map<String, String> headers() {
                long at = refused ? 0 : read.resumeAt();
                return at > 0 ? Map.of("Range", "bytes=" + at + "-") : Map.of();
            }

            @Override
            public T read(RegistryResponse response) throws IOException {
                long offset = 0;
                if (response.status() == 206) {
                    String range = response.header("Content-Range");
                    long at = read.resumeAt();
                    if (refused || at == 0 || !ContentRange.isRestOf(range, at, blob.size())) {
                        // A range we did not ask for: start over without Range on the next attempt.
                        refused = true;
                        throw new NetworkException("registry answered with an unexpected range '"
                                + Printable.fragment(range, 100) + "'");
                    }
                    offset = at;
                }
                refused = false;
                try {
                    return read.read(offset, response.body());
                } catch (ContentException e) {
                    throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
                }
            }
        }));
    }

    @Override
    public <T> T readRange(ImageReference image, Descriptor blob, long from, long to, BlobRead<T> read) {
        Place place = places.apply(image);
        ImageReference repository = place.reference();
        try {
            return readRange(place, repository, blob, from, to, read);
        } catch (RegistryException e) {
            if (e.status() != 416) {
                throw e;
            }
            // "not satisfiable" for a range inside the declared size: read as one stream, which then says plainly
            // if the blob is shorter than its descriptor
            throw new RangesNotServed(BlobPuller.describe(repository, blob.digest()) + ": asked for bytes " + from
                    + "-" + (to - 1) + " of " + blob.size() + ", got HTTP 416");
        }
    }

    private <T> T readRange(Place place, ImageReference repository, Descriptor blob, long from, long to, BlobRead<T> read) {
        return place.call(new BlobPuller<>(repository, blob.digest(), new BlobPuller.BlobReader<T>() {
            @Override
            public Map<String, String> headers() {
                return Map.of("Range", "bytes=" + Math.max(from, read.resumeAt()) + "-" + (to - 1));
            }

            @Override
            public T read(RegistryResponse response) throws IOException {
                long at = Math.max(from, read.resumeAt());
                String range = response.header("Content-Range");
                if (response.status() != 206 || !String.valueOf(range).equals("bytes " + at + "-" + (to - 1) + "/" + blob.size())) {
                    throw new RangesNotServed(BlobPuller.describe(repository, blob.digest()) + ": asked for bytes " + at + "-" + (to - 1)
                            + ", got HTTP " + response.status() + " '" + Printable.fragment(range, 100) + "'");
                }
                try {
                    return read.read(at, response.body());
                } catch (ContentException e) {
                    throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
                }
            }
        }));
    }

    /** One {@code Range} request, not retried: a hint that fails is simply not used. */
    @Override
    public byte[] tail(ImageReference image, Descriptor blob, int length) {
        CompletableFuture<byte[]> ahead = length == TRAILER ? prefetched.remove(blob.digest()) : null;
        if (ahead != null) {
            try {
                return ahead.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException failure ? failure : e;
            }
        }
        if (blob.size() < length) {
            return null;
        }
        Place place = places.apply(image);
        return place.client().callOnce(place.reference(), new BlobPuller<>(place.reference(), blob.digest(),
                new BlobTail(blob, length)));
    }

    /**
     * Answers quicker than this mean a registry close by ({@code exporter.nearbyMillis}, default 10 ms: a loopback or
     * LAN registry answers in a few, one across the internet in tens to hundreds; tests that want ranges from a
     * loopback registry set it to 0).
     */
    private static final long NEARBY_NANOS = Long.getLong("exporter.nearbyMillis", 10) * 1_000_000;

    @Override
    public boolean nearby(ImageReference image) {
        Place place = places.apply(image);
        java.time.Duration quickest = place.client().quickestAnswer(place.reference());
        return quickest != null && quickest.toNanos() < NEARBY_NANOS;
    }

    @Override
    public String describe(ImageReference image, Descriptor blob) {
        return BlobPuller.describe(places.apply(image).reference(), blob.digest());
    }
}
