package dev.exporter.registry;

import dev.exporter.reference.Digest;

/**
 * A manifest exactly as served, not interpreted: any media type, even ones this tool cannot export.
 *
 * @param contentType the response's {@code Content-Type}, or null
 * @param digest      the digest of {@code raw} (in the reference's algorithm when pulled by digest)
 */
public record RawManifest(byte[] raw, String contentType, Digest digest) {
}
