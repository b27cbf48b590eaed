package dev.exporter.remote;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.BlobCheck;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.UploadCancel;
import dev.exporter.registry.UploadChunk;
import dev.exporter.registry.UploadFinish;
import dev.exporter.registry.UploadStart;
import dev.exporter.registry.UploadStatus;
import dev.exporter.registry.http.RequestBody;
import dev.exporter.transfer.FileErrors;
import dev.exporter.transfer.ProgressListener;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Puts one blob into one repository the way the distribution spec describes: {@code HEAD} first (a blob the
 * repository has is not sent again), a cross-repository mount when the caller knows a repository of the same
 * registry that has it, else an upload: one {@code PUT} for a small blob, {@code PATCH} chunks and a closing
 * {@code PUT} for a large one. A broken upload goes on from the offset the registry reports it holds; a registry
 * that kept nothing usable (distribution drops a session whose last chunk broke off) gets a new session.
 */
public final class BlobPush {

    /** How a blob got there. */
    public enum Outcome { EXISTS, MOUNTED, UPLOADED }

    /** Blobs up to this size go in one request; larger ones in chunks. */
    static final long MONOLITHIC_MAX = 32L * 1024 * 1024;
    /** Chunks of a blob still being made: each goes once its bytes are there. */
    static final long CHUNK = 32L * 1024 * 1024;
    /**
     * Chunks of a blob whose bytes are all there: one {@code PATCH} for nearly every layer, as docker push sends
     * (every chunk costs a round trip and the registry's work on it, and distribution keeps nothing of a chunk that
     * broke off, so smaller ones buy no resumption there).
     */
    static final long WHOLE_CHUNK = 1024L * 1024 * 1024;
    private static final int MAX_RESTARTS = 3;

    private final RegistryClient client;
    private final long chunkSize;
    private final long wholeChunkSize;
    private final long monolithicMax;

    public BlobPush(RegistryClient client) {
        this(client, MONOLITHIC_MAX, CHUNK, WHOLE_CHUNK);
    }

    BlobPush(RegistryClient client, long monolithicMax, long chunkSize, long wholeChunkSize) {
        this.client = client;
        this.monolithicMax = monolithicMax;
        this.chunkSize = chunkSize;
        this.wholeChunkSize = wholeChunkSize;
    }

    /**
     * Makes {@code repository} hold {@code blob}.
     *
     * @param mountFrom a repository of the same registry known to hold the blob, or null
     */
    public Outcome push(ImageReference repository, Descriptor blob, BlobContent content, ImageReference mountFrom,
                        ProgressListener progress) {
        if (BlobCheck.exists(client, repository, blob.digest())) {
            return Outcome.EXISTS;
        }
        UploadStart.Started started = client.call(repository, mountFrom == null ? new UploadStart(repository)
                : new UploadStart(repository, blob.digest(), mountFrom));
        if (started.mounted()) {
            return Outcome.MOUNTED;
        }
        try (ChunkReader reader = new ChunkReader(blob.size(), content, bytes -> progress.transferred(blob, bytes))) {
            upload(repository, blob, reader, started.location());
        }
        return Outcome.UPLOADED;
    }

    /**
     * Makes {@code repository} hold {@code blob} without sending it, when it can: the repository has it (of the size
     * the descriptor says, when the registry tells one: a descriptor recalled from a cache is only a hint), or a
     * mount from {@code mountFrom} (may be null) works. Returns how, or null when the blob has to be uploaded.
     */
    public Outcome place(ImageReference repository, Descriptor blob, ImageReference mountFrom) {
        Long size = BlobCheck.size(client, repository, blob.digest());
        if (size != null && (size < 0 || size == blob.size())) {
            return Outcome.EXISTS;
        }
        if (mountFrom != null && client.call(repository, new UploadStart(repository, blob.digest(), mountFrom)).mounted()) {
            return Outcome.MOUNTED;
        }
        return null;
    }

    /**
     * Uploads a blob that is still being made into {@code repository}, sending its bytes as they come; returns the
     * blob as it turned out once the registry has it. No {@code HEAD} first: its digest is not known yet.
     */
    public Descriptor push(ImageReference repository, GrowingBlob growing, String what) {
        UploadStart.Started started = client.call(repository, new UploadStart(repository));
        try (ChunkReader reader = new ChunkReader(-1, growing, bytes -> { })) {
            return upload(repository, growing, reader, started.location(), what);
        }
    }

    private void upload(ImageReference repository, Descriptor blob, ChunkReader reader, String firstLocation) {
        upload(repository, new Known(blob), reader, firstLocation, "push blob " + blob.digest() + " to "
                + repository.fullName());
    }

    /** A blob whose bytes are all there. */
    private record Known(Descriptor blob) implements GrowingBlob {
        @Override
        public long await(long bytes) {
            return blob.size();
        }

        @Override
        public Descriptor complete() {
            return blob;
        }

        @Override
        public InputStream open(long offset) {
            throw new UnsupportedOperationException("the chunk reader reads the content");
        }
    }

    /**
     * Sends {@code blob}'s bytes: one {@code PUT} when it is complete and small by the time the upload starts, else
     * chunks as its bytes come and a closing {@code PUT} with its digest.
     */
    private Descriptor upload(ImageReference repository, GrowingBlob blob, ChunkReader reader, String firstLocation,
                              String what) {
        String location = firstLocation;
        long offset = 0;
        for (int restarts = 0; ; restarts++) {
            try {
                if (offset == 0) {
                    blob.await(monolithicMax + 1);
                    Descriptor done = blob.complete();
                    if (done != null && done.size() <= monolithicMax) {
                        client.call(repository, new UploadFinish(repository, location, done.digest(),
                                reader.chunk(0, done.size()), what));
                        return done;
                    }
                }
                Descriptor done;
                while (true) {
                    long chunk = blob instanceof Known ? wholeChunkSize : chunkSize;
                    long have = blob.await(offset + chunk);
                    done = blob.complete();
                    long end = Math.min(offset + chunk, done != null ? done.size() : have);
                    if (end > offset) {
                        location = client.call(repository, new UploadChunk(repository, location, offset,
                                reader.chunk(offset, end - offset), what));
                        offset = end;
                    }
                    if (done != null && offset == done.size()) {
                        break;
                    }
                }
                client.call(repository, new UploadFinish(repository, location, done.digest(), RequestBody.of(new byte[0]),
                        what));
                return done;
            } catch (IOException e) {
                cancel(repository, location, what);
                throw new UncheckedIOException(what + ": " + FileErrors.describe(e), e);
            } catch (ContentException | UncheckedIOException e) {
                // the source failed (damaged, unreadable): this session will never be completed
                cancel(repository, location, what);
                throw e;
            } catch (RegistryException e) {
                if (restarts >= MAX_RESTARTS || !worthResuming(e)) {
                    throw e;
                }
                Descriptor done = blob.complete();
                boolean small = done != null && done.size() <= monolithicMax;
                UploadStatus.Received kept = received(repository, location, what);
                if (kept != null && (done == null || kept.bytes() <= done.size()) && (kept.bytes() > 0 || !small)) {
                    offset = kept.bytes();
                    location = kept.location();
                } else {
                    offset = 0;
                    location = client.call(repository, new UploadStart(repository)).location();
                }
            }
        }
    }

    /**
     * Ends a session this push will not complete, so the registry drops what it received now rather than when it
     * purges stale uploads; best effort (a registry may not support it), once, for failures of the source only: a
     * broken network would only make it wait.
     */
    private void cancel(ImageReference repository, String location, String what) {
        try {
            client.callOnce(repository, new UploadCancel(repository, location, what));
        } catch (RuntimeException ignored) {
            // the failure being reported is the one that counts
        }
    }

    /** What the registry holds of the session, or null when it no longer knows the session. */
    private UploadStatus.Received received(ImageReference repository, String location, String what) {
        try {
            return client.callOnce(repository, new UploadStatus(repository, location, what));
        } catch (RegistryException e) {
            return null;
        }
    }

    /** The network broke, the registry hiccupped or forgot the session: worth going on; a refusal is final. */
    private static boolean worthResuming(RegistryException e) {
        return switch (e.kind()) {
            case NETWORK, SERVER_ERROR, TOO_MANY_REQUESTS, NOT_FOUND -> true;
            case PROTOCOL -> e.status() == 400 || e.status() == 416;
            default -> false;
        };
    }
}
