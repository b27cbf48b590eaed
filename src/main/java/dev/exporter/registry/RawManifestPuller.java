package dev.exporter.registry;

import dev.exporter.image.ContentException;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.transfer.VerifyingStream;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /v2/<name>/manifests/<reference>}: the bytes as served, not parsed, so artifacts and old schema 1
 * manifests can be shown too (and refused with a clear message by {@link ManifestPuller}, which parses them).
 * Capped at 4 MiB like the distribution registry, and digest-checked when pulled by digest.
 */
public final class RawManifestPuller implements RegistryEndpoint<RawManifest> {

    /** Every type we can read, then schema 1 so old images are reported as such rather than as missing. */
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
        String length = response.header("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > ManifestDocument.MAX_SIZE) {
            throw tooLarge(response.status());
        }
        Digest pinned = reference.digest();
        // Pulled by digest, the bytes go through the verifying stream (which checks at their end); by tag, the
        // digest is whatever they hash to.
        InputStream body = pinned != null ? VerifyingStream.of(response.body(), pinned, -1, description()) : response.body();
        byte[] raw;
        try {
            raw = body.readNBytes(ManifestDocument.MAX_SIZE + 1);
        } catch (ContentException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
        }
        if (raw.length > ManifestDocument.MAX_SIZE) {
            throw tooLarge(response.status());
        }
        return new RawManifest(raw, response.header("Content-Type"), pinned != null ? pinned : Digest.sha256Of(raw));
    }

    private RegistryException tooLarge(int status) {
        return new RegistryException(Kind.INVALID_CONTENT, status, description() + ": manifest larger than "
                + ManifestDocument.MAX_SIZE / (1024 * 1024) + " MiB");
    }
}
