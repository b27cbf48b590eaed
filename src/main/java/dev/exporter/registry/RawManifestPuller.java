package dev.exporter.registry;

import dev.exporter.image.ManifestDocument;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code GET /v2/<name>/manifests/<reference>} for looking at a manifest rather than using it: the bytes are kept
 * as served and not parsed, so artifacts and old schema 1 manifests can be shown too. Size-capped like
 * {@link ManifestPuller}, and digest-checked when pulled by digest.
 */
public final class RawManifestPuller implements RegistryEndpoint<RawManifest> {

    /** Everything {@link ManifestPuller} asks for, then schema 1 so old images still show up. */
    private static final List<String> ACCEPT;

    static {
        List<String> accept = new ArrayList<>(MediaTypes.MANIFEST_ACCEPT);
        accept.add(MediaTypes.DOCKER_SCHEMA1_SIGNED);
        accept.add(MediaTypes.DOCKER_SCHEMA1);
        ACCEPT = List.copyOf(accept);
    }

    private final ImageReference reference;

    public RawManifestPuller(ImageReference reference) {
        this.reference = reference;
    }

    @Override
    public String path() {
        return "/v2/" + reference.repository() + "/manifests/" + reference.manifestReference();
    }

    @Override
    public List<String> accept() {
        return ACCEPT;
    }

    @Override
    public String repository() {
        return reference.repository();
    }

    @Override
    public String description() {
        return "pull manifest " + reference;
    }

    @Override
    public String notFoundMessage() {
        return reference.digest() != null ? "manifest not found" : "tag not found";
    }

    @Override
    public RawManifest handle(RegistryResponse response) throws IOException {
        byte[] raw = response.body().readNBytes(ManifestDocument.MAX_SIZE + 1);
        if (raw.length > ManifestDocument.MAX_SIZE) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                    + ": manifest larger than " + ManifestDocument.MAX_SIZE / (1024 * 1024) + " MiB");
        }
        Digest pinned = reference.digest();
        Digest digest = pinned != null ? new Digest(pinned.algorithm(), HexFormat.of().formatHex(pinned.newHasher().digest(raw)))
                : Digest.sha256Of(raw);
        if (pinned != null && !pinned.equals(digest)) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                    + ": digest mismatch: registry sent content with digest " + digest);
        }
        return new RawManifest(raw, response.header("Content-Type"), digest);
    }
}
