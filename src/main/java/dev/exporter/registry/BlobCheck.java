package dev.exporter.registry;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

/**
 * {@code HEAD /v2/<name>/blobs/<digest>} with push scope, asked before every upload so that a blob the registry
 * already has is never sent again. Yields true when it is there; a 404 comes back as a
 * {@link RegistryException} of kind {@code NOT_FOUND}, which {@link #exists} turns into false.
 */
public final class BlobCheck extends PushEndpoint<Boolean> {

    private final Digest digest;

    public BlobCheck(ImageReference repository, Digest digest) {
        super(repository);
        this.digest = digest;
    }

    /** Whether {@code repository} has the blob. */
    public static boolean exists(RegistryClient client, ImageReference repository, Digest digest) {
        try {
            return client.call(repository, new BlobCheck(repository, digest));
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return false;
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
    public Boolean handle(RegistryResponse response) {
        return true;
    }
}
