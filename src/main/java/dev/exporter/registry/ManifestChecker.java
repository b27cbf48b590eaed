package dev.exporter.registry;

import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.text.Printable;

import java.util.List;

/**
 * {@code HEAD /v2/<name>/manifests/<reference>}: whether a tag exists and what it points at, without pulling the
 * manifest (Docker Hub counts manifest {@code GET}s against its pull limits, not {@code HEAD}s). A 404 reaches the
 * caller as a {@link RegistryException} of kind {@link Kind#NOT_FOUND}.
 */
public final class ManifestChecker implements RegistryEndpoint<ManifestChecker.Head> {

    /**
     * What the registry says the tag points at.
     *
     * @param digest the {@code Docker-Content-Digest}, or null when the registry sent none (a {@code GET} by tag
     *               then has to tell)
     */
    public record Head(Digest digest, String mediaType, long size) {
    }

    private final ImageReference reference;

    public ManifestChecker(ImageReference reference) {
        this.reference = reference;
    }

    @Override
    public String method() {
        return "HEAD";
    }

    @Override
    public String path() {
        return "/v2/" + reference.repository() + "/manifests/" + reference.manifestReference();
    }

    @Override
    public List<String> accept() {
        return MediaTypes.MANIFEST_ACCEPT;
    }

    @Override
    public String repository() {
        return reference.repository();
    }

    @Override
    public String description() {
        return "check manifest " + reference;
    }

    @Override
    public String notFoundMessage() {
        return reference.digest() != null ? "manifest not found" : "tag not found";
    }

    @Override
    public Head handle(RegistryResponse response) {
        String digestHeader = response.header("Docker-Content-Digest");
        Digest digest = null;
        if (digestHeader != null) {
            try {
                digest = Digest.parse(digestHeader.trim());
            } catch (IllegalArgumentException e) {
                throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                        + ": invalid Docker-Content-Digest '" + Printable.fragment(digestHeader) + "'");
            }
        }
        String contentType = response.header("Content-Type");
        String mediaType = contentType == null ? MediaTypes.OCI_MANIFEST : contentType.split(";", 2)[0].trim();
        String length = response.header("Content-Length");
        long size = length != null && length.trim().matches("\\d{1,18}") ? Long.parseLong(length.trim()) : 0;
        return new Head(digest, mediaType, size);
    }
}
