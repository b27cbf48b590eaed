package dev.exporter.registry;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

/**
 * {@code HEAD /v2/<name>/blobs/<digest>} with push scope, asked before every upload so that a blob the registry
 * already has is never sent again. Yields the size the registry tells ({@code Content-Length}, -1 when it tells
 * none) when the blob is there; a 404 comes back as a {@link RegistryException} of kind {@code NOT_FOUND}, which
 * {@link #exists} turns into false.
 */
public final class BlobCheck extends PushEndpoint<Long> {

    private final Digest digest;

    public BlobCheck(ImageReference repository, Digest digest) {
        super(repository);
        this.digest = digest;
    }

    /** Whether {@code repository} has the blob. */
    public static boolean exists(RegistryClient client, ImageReference repository, Digest digest) {
        return size(client, repository, digest) != null;
    }

    /** The size of the blob in {@code repository} as the registry tells it (-1: not told), or null when it is not there. */
    public static Long size(RegistryClient client, ImageReference repository, Digest digest) {
        try {
            return client.call(repository, new BlobCheck(repository, digest));
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public String method() {
        return "HEAD";
    }

    @Override
    public String path() {
        return "/v2/" + target.repository() + "/blobs/" + digest;
    }

    @Override
    public String description() {
        return "check blob " + digest + " in " + target.fullName();
    }

    @Override
    public Long handle(RegistryResponse response) {
        String length = response.header("Content-Length");
        try {
            return length == null ? -1L : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1L;
        }
    }
}
