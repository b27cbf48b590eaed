package dev.exporter.testing;

/**
 * A built layer blob (see {@link LayerSpec#build}). The byte array is shared: do not modify it.
 *
 * @param blob        the compressed bytes, as stored in the registry
 * @param digest      {@code sha256:...} of {@code blob}
 * @param diffId      {@code sha256:...} of the uncompressed tar (the config's rootfs diff_id)
 * @param mediaType   the manifest descriptor's media type
 */
public record Layer(byte[] blob, String digest, String diffId, String mediaType, Compression compression) {

    /** Size of {@link #blob()} in bytes. */
    public long size() {
        return blob.length;
    }
}
