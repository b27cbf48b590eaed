package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.transfer.RunClaims;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What each uncompressed layer of a docker archive compressed to (digest and size), kept in the cache between runs
 * as one small file per layer under {@code <cache>/push-gzip/<compressor>/}. A push that knows the digest asks the
 * registry for it first and compresses nothing when the registry has it; compression is deterministic, so the
 * answer holds for as long as the compressor is the same one. An entry is only a hint: a missing, unreadable or
 * garbled one means "not known", and a registry that lacks the blob gets the layer compressed and uploaded anew.
 */
final class CompressedDigests {

    private static final long MAX_ENTRY = 256;

    private final Path folder;

    private CompressedDigests(Path folder) {
        this.folder = folder;
    }

    /** The record in {@code cache} for layers compressed as {@code compressor} names it; none when cache is null. */
    static CompressedDigests in(Path cache, String compressor) {
        return new CompressedDigests(cache == null ? null : cache.resolve("push-gzip").resolve(compressor));
    }

    /** What {@code layer} compressed to before, or null when that is not known. */
    Descriptor get(Digest layer) {
        if (folder == null) {
            return null;
        }
        Path entry = folder.resolve(layer.hex());
        try {
            if (Files.size(entry) > MAX_ENTRY) {
                return null;
            }
            String[] fields = Files.readString(entry, StandardCharsets.US_ASCII).trim().split(" ");
            return fields.length == 2 ? Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.parse(fields[0]),
                    Long.parseLong(fields[1])) : null;
        } catch (IOException | RuntimeException unknown) {
            return null;
        }
    }

    /** Remembers what {@code layer} compressed to; best effort (a read-only cache just remembers nothing). */
    void put(Digest layer, Descriptor compressed) {
        if (folder == null) {
            return;
        }
        Path entry = folder.resolve(layer.hex());
        Path partial = folder.resolve(layer.hex() + ".partial-" + RunClaims.RUN);
        try {
            Files.createDirectories(folder);
            Files.writeString(partial, compressed.digest() + " " + compressed.size() + "\n", StandardCharsets.US_ASCII);
            Files.move(partial, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // nothing was written
            }
        }
    }
}
