package dev.exporter.testing;

import java.util.Map;

/** Something a registry stores under a tag: a single-platform {@link TestImage} or a {@link TestIndex}. */
public sealed interface TestArtifact permits TestImage, TestIndex {

    /** The top-level manifest's media type. */
    String mediaType();

    /** The exact manifest bytes pushed to registries; do not modify. */
    byte[] manifestBytes();

    /** {@code sha256:...} of {@link #manifestBytes()}. */
    default String manifestDigest() {
        return Digests.sha256(manifestBytes());
    }

    /** Every config and layer blob reachable from this manifest, by digest, in manifest order. */
    Map<String, byte[]> blobs();
}
