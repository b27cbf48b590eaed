package dev.exporter.remote;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.BlobCheck;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.UploadChunk;
import dev.exporter.registry.UploadFinish;
import dev.exporter.registry.UploadStart;
import dev.exporter.registry.UploadStatus;
import dev.exporter.registry.http.RequestBody;
import dev.exporter.transfer.ProgressListener;

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

    /** Blobs up to this size go in one request; larger ones in chunks of {@link #CHUNK}. */
    static final long MONOLITHIC_MAX = 32L * 1024 * 1024;
    static final long CHUNK = 32L * 1024 * 1024;
    private static final int MAX_RESTARTS = 3;

    private final RegistryClient client;
    private final long chunkSize;
    private final long monolithicMax;

    public BlobPush(RegistryClient client) {
        this(client, MONOLITHIC_MAX, CHUNK);
    }

    BlobPush(RegistryClient client, long monolithicMax, long chunkSize) {
        this.client = client;
        this.monolithicMax = monolithicMax;
        this.chunkSize = chunkSize;
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
        try (ChunkReader reader = new ChunkReader(blob, content, progress)) {
            upload(repository, blob, reader, started.location());
        }
        return Outcome.UPLOADED;
    }

    private void upload(ImageReference repository, Descriptor blob, ChunkReader reader, String firstLocation) {
        String what = "push blob " + blob.digest() + " to " + repository.fullName();
        String location = firstLocation;
        long offset = 0;
        for (int restarts = 0; ; restarts++) {
            try {
                if (offset == 0 && blob.size() <= monolithicMax) {
                    client.call(repository, new UploadFinish(repository, location, blob.digest(),
                            reader.chunk(0, blob.size()), what));
                    return;
                }
                while (offset < blob.size()) {
                    long length = Math.min(chunkSize, blob.size() - offset);
                    location = client.call(repository, new UploadChunk(repository, location, offset,
                            reader.chunk(offset, length), what));
                    offset += length;
                }
                client.call(repository, new UploadFinish(repository, location, blob.digest(), RequestBody.of(new byte[0]),
                        what));
                return;
            } catch (RegistryException e) {
                if (restarts >= MAX_RESTARTS || !worthResuming(e)) {
                    throw e;
                }
                UploadStatus.Received kept = received(repository, location, what);
                if (kept != null && kept.bytes() <= blob.size() && (kept.bytes() > 0 || blob.size() > monolithicMax)) {
                    offset = kept.bytes();
                    location = kept.location();
                } else {
                    offset = 0;
                    location = client.call(repository, new UploadStart(repository)).location();
                }
            }
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
