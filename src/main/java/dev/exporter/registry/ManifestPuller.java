package dev.exporter.registry;

import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;

import java.io.IOException;
import java.util.List;

/** {@code GET /v2/<name>/manifests/<reference>}, parsed: a manifest or index this tool can export. */
public final class ManifestPuller implements RegistryEndpoint<ManifestDocument> {

    private final RawManifestPuller raw;

    public ManifestPuller(ImageReference reference) {
        this.raw = new RawManifestPuller(reference);
    }

    @Override
    public String path() {
        return raw.path();
    }

    @Override
    public List<String> accept() {
        return raw.accept();
    }

    @Override
    public String repository() {
        return raw.repository();
    }

    @Override
    public String description() {
        return raw.description();
    }

    @Override
    public String notFoundMessage() {
        return raw.notFoundMessage();
    }

    @Override
    public ManifestDocument handle(RegistryResponse response) throws IOException {
        RawManifest manifest = raw.handle(response);
        try {
            return ManifestDocument.parse(manifest.raw(), manifest.contentType(), description());
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
        }
    }
}
