package dev.exporter.push;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

/**
 * What one target received.
 *
 * @param digest      what the target now resolves to
 * @param kept        whether that is the source's own digest (false when layers were compressed on the way)
 * @param manifests   manifests and indexes pushed for it
 * @param blobs       distinct blobs it names
 * @param bytes       their total size
 */
public record PushResult(ImageReference target, Digest digest, boolean kept, int manifests, int blobs, long bytes) {
}
