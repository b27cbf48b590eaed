package dev.exporter.remote;

import dev.exporter.image.Descriptor;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.RegistryResponse;

import java.io.IOException;
import java.util.Map;

/**
 * Reads the last {@code length} bytes of a blob with a {@code Range} request (unverified: a hint, such as a gzip
 * trailer's size). Null when the registry ignores the range; the whole blob is then not read, the connection just
 * closed.
 */
final class BlobTail implements BlobPuller.BlobReader<byte[]> {

    private final Descriptor blob;
    private final int length;

    BlobTail(Descriptor blob, int length) {
        this.blob = blob;
        this.length = length;
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("Range", "bytes=" + (blob.size() - length) + "-" + (blob.size() - 1));
    }

    @Override
    public boolean download() {
        return false;
    }

    @Override
    public byte[] read(RegistryResponse response) throws IOException {
        String expected = "bytes " + (blob.size() - length) + "-" + (blob.size() - 1) + "/";
        String range = response.header("Content-Range");
        if (response.status() != 206 || range == null || !range.startsWith(expected)) {
            return null;
        }
        byte[] tail = response.body().readNBytes(length);
        return tail.length == length ? tail : null;
    }
}
