package dev.exporter.remote;

import dev.exporter.image.Descriptor;

import java.io.IOException;

/**
 * A blob still being made while it is uploaded (a layer being compressed): its bytes so far are readable like any
 * {@link BlobContent}, and its digest and size are known only once it is complete. An upload sends the bytes as they
 * come, in chunks, and names the digest in its closing request.
 */
public interface GrowingBlob extends BlobContent {

    /**
     * Waits until the blob has at least {@code bytes} bytes or is complete; returns how many it has then. Fails as
     * making it failed (a damaged source).
     */
    long await(long bytes) throws IOException;

    /** The complete blob, or null while it is still growing. */
    Descriptor complete();
}
