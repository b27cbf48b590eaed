package dev.exporter.image;

import dev.exporter.reference.Digest;

import java.util.List;

/** A single-platform image manifest (Docker v2 schema 2 or OCI). */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers, byte[] raw, Digest digest)
        implements ManifestDocument {

    /** Sum of the compressed layer sizes plus the config. */
    public long totalSize() {
        return config.size() + layers.stream().mapToLong(Descriptor::size).sum();
    }
}
