package dev.exporter.registry;

import dev.exporter.reference.ImageReference;
import dev.exporter.registry.http.RequestBody;

import java.util.Map;

/**
 * {@code PATCH <location>} with one chunk of a blob, bytes {@code [from, from + length)}: the registry answers 202
 * with the session's next {@code Location}, which the next chunk (or the closing PUT) must use.
 */
public final class UploadChunk extends PushEndpoint<String> {

    private final String location;
    private final long from;
    private final RequestBody chunk;
    private final String what;

    public UploadChunk(ImageReference repository, String location, long from, RequestBody chunk, String what) {
        super(repository);
        this.location = location;
        this.from = from;
        this.chunk = chunk;
        this.what = what;
    }

    @Override
    public String method() {
        return "PATCH";
    }

    @Override
    public String path() {
        return location;
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Content-Type", "application/octet-stream",
                "Content-Range", from + "-" + (from + chunk.length() - 1));
    }

    @Override
    public RequestBody body() {
        return chunk;
    }



    @Override
    public String description() {
        return what;
    }

    @Override
    public String handle(RegistryResponse response) {
        String next = response.header("Location");
        return next == null || next.isBlank() ? location : next.trim();
    }
}
