package dev.exporter.registry;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.http.RequestBody;

import java.util.Map;

/**
 * {@code PUT /v2/<name>/manifests/<tag or digest>} with a manifest's exact bytes and its own media type. The
 * registry must store it under the digest of those bytes; an answer naming another digest is an error.
 */
public final class ManifestPusher extends PushEndpoint<ManifestPusher.Pushed> {

    /** What the registry answered: the digest, and whether it processed a {@code subject} (OCI-Subject). */
    public record Pushed(Digest digest, String subject) {
    }

    private final String reference;
    private final byte[] raw;
    private final String mediaType;
    private final Digest digest;

    /** @param reference the tag, or the manifest's digest */
    public ManifestPusher(ImageReference target, String reference, byte[] raw, String mediaType) {
        super(target);
        this.reference = reference;
        this.raw = raw.clone();
        this.mediaType = mediaType;
        this.digest = Digest.sha256Of(raw);
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/v2/" + target.repository() + "/manifests/" + reference;
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Content-Type", mediaType);
    }

    @Override
    public RequestBody body() {
        return RequestBody.of(raw);
    }



    @Override
    public String description() {
        return "push manifest " + digest + " to " + target.registry() + "/" + target.repository()
                + (reference.startsWith("sha256:") ? "@" : ":") + reference;
    }

    @Override
    public Pushed handle(RegistryResponse response) {
        String stored = response.header("Docker-Content-Digest");
        if (stored != null && !stored.trim().equals(digest.toString())) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, response.status(), description()
                    + ": the registry stored it as " + dev.exporter.text.Printable.fragment(stored, 80));
        }
        return new Pushed(digest, response.header("OCI-Subject"));
    }
}
