package dev.exporter.testing;

import dev.exporter.image.BlobSource;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Blobs served from memory by digest, for sinks fed without a registry; records what was read whole and whose
 * last bytes (gzip trailers) were asked for.
 */
public final class MemoryBlobSource implements BlobSource {

    private final Map<Digest, byte[]> blobs;
    private final boolean tails;
    /** Whole reads, counting repeats. */
    public final AtomicInteger reads = new AtomicInteger();
    public final Set<Digest> read = ConcurrentHashMap.newKeySet();
    public final Set<Digest> tailed = ConcurrentHashMap.newKeySet();

    /** @param tails whether the source tells a blob's last bytes cheaply (as a registry does with a range request) */
    public MemoryBlobSource(Map<Digest, byte[]> blobs, boolean tails) {
        this.blobs = Map.copyOf(blobs);
        this.tails = tails;
    }

    @Override
    public <T> T read(ImageReference repository, Descriptor blob, BlobRead<T> read) {
        reads.incrementAndGet();
        this.read.add(blob.digest());
        try {
            return read.read(0, new ByteArrayInputStream(blobs.get(blob.digest())));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String describe(ImageReference repository, Descriptor blob) {
        return "read blob " + blob.digest();
    }

    @Override
    public byte[] tail(ImageReference repository, Descriptor blob, int length) {
        if (!tails) {
            return null;
        }
        tailed.add(blob.digest());
        byte[] content = blobs.get(blob.digest());
        return Arrays.copyOfRange(content, content.length - length, content.length);
    }
}
