package dev.exporter.registry;

import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;

import java.io.IOException;
import java.util.List;

/** {@code GET /v2/<name>/manifests/<reference>}: a manifest or index, size-capped and digest-checked. */
public final class ManifestPuller implements RegistryEndpoint<ManifestDocument> {

    private final ImageReference reference;
    private final List<String> accept;

    public ManifestPuller(ImageReference reference) {
        this(reference, MediaTypes.MANIFEST_ACCEPT);
    }

    public ManifestPuller(ImageReference reference, List<String> accept) {
        this.reference = reference;
        this.accept = accept;
    }

    @Override
    public String path() {
        return "/v2/" + reference.repository() + "/manifests/" + reference.manifestReference();
    }

    @Override
    public List<String> accept() {
        return accept;
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
    public ManifestDocument handle(RegistryResponse response) throws IOException {
        String length = response.header("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > ManifestDocument.MAX_SIZE) {
            throw tooLarge();
        }
        byte[] raw = response.body().readNBytes(ManifestDocument.MAX_SIZE + 1);
        if (raw.length > ManifestDocument.MAX_SIZE) {
            throw tooLarge();
        }
        ManifestDocument document;
        try {
            document = ManifestDocument.parse(raw, response.header("Content-Type"), description());
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
        }
        if (reference.digest() != null && !reference.digest().equals(document.digest())) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                    + ": digest mismatch: registry sent content with digest " + document.digest());
        }
        return document;
    }

    private RegistryException tooLarge() {
        return new RegistryException(Kind.INVALID_CONTENT, 200, description() + ": manifest larger than "
                + ManifestDocument.MAX_SIZE / (1024 * 1024) + " MiB");
    }
}
