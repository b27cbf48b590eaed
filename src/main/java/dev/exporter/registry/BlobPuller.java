package dev.exporter.registry;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /v2/<name>/blobs/<digest>}. What happens with the bytes is up to a {@link BlobReader}, which may also
 * ask for a byte range so an interrupted download continues where it stopped.
 */
public final class BlobPuller<T> implements RegistryEndpoint<T> {

    /** Consumes a blob body; called again on each retry. */
    public interface BlobReader<T> {
        /** Extra headers for the next attempt, e.g. {@code Range}. */
        default Map<String, String> headers() {
            return Map.of();
        }

        T read(RegistryResponse response) throws IOException;

        /** See {@link RegistryEndpoint#download()}: true unless the blob is small. */
        default boolean download() {
            return true;
        }

        /** {@code reader} for a small blob (a config), read whole within the deadline like a manifest. */
        static <T> BlobReader<T> small(BlobReader<T> reader) {
            return new BlobReader<>() {
                @Override
                public Map<String, String> headers() {
                    return reader.headers();
                }

                @Override
                public T read(RegistryResponse response) throws IOException {
                    return reader.read(response);
                }

                @Override
                public boolean download() {
                    return false;
                }
            };
        }
    }

    private final ImageReference repository;
    private final Digest digest;
    private final BlobReader<T> reader;

    public BlobPuller(ImageReference repository, Digest digest, BlobReader<T> reader) {
        this.repository = repository;
        this.digest = digest;
        this.reader = reader;
    }

    @Override
    public String path() {
        return "/v2/" + repository.repository() + "/blobs/" + digest;
    }

    @Override
    public Map<String, String> headers() {
        return reader.headers();
    }

    @Override
    public boolean download() {
        return reader.download();
    }

    @Override
    public String repository() {
        return repository.repository();
    }

    @Override
    public String description() {
        return describe(repository, digest);
    }

    public static String describe(ImageReference repository, Digest digest) {
        return "pull blob " + digest + " of " + repository.fullName();
    }

    @Override
    public String notFoundMessage() {
        return "blob not found";
    }

    @Override
    public T handle(RegistryResponse response) throws IOException {
        return reader.read(response);
    }
}
