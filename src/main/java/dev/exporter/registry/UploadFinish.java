package dev.exporter.registry;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.http.RequestBody;

import java.util.Map;

/**
 * {@code PUT <location>?digest=<digest>}: closes an upload session, sending the whole blob (a monolithic upload)
 * or nothing after the chunks. The registry checks the digest of everything it received and answers 201.
 */
public final class UploadFinish extends PushEndpoint<Void> {

    private final String location;
    private final Digest digest;
    private final RequestBody content;
    private final String what;

    /** @param content the whole blob, or an empty body after chunks */
    public UploadFinish(ImageReference repository, String location, Digest digest, RequestBody content, String what) {
        super(repository);
        this.location = location;
        this.digest = digest;
        this.content = content;
        this.what = what;
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        int fragment = location.indexOf('#');
        String base = fragment < 0 ? location : location.substring(0, fragment);
        return base + (base.contains("?") ? "&" : "?") + "digest=" + digest;
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Content-Type", "application/octet-stream");
    }

    @Override
    public RequestBody body() {
        return content;
    }



    @Override
    public String description() {
        return what;
    }

    @Override
    public Void handle(RegistryResponse response) {
        String stored = response.header("Docker-Content-Digest");
        if (stored != null && !stored.trim().equals(digest.toString())) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, response.status(), what
                    + ": the registry stored digest " + dev.exporter.text.Printable.fragment(stored, 80) + ", not " + digest);
        }
        return null;
    }
}
