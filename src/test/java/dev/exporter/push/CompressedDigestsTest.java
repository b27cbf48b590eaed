package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The record of what layers compressed to is a hint: only a well-formed entry of the same compressor counts. */
class CompressedDigestsTest {

    @TempDir
    Path cache;

    private static final Digest LAYER = Digest.sha256Of("layer");
    private static final Descriptor GZ = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256Of("gz"), 1234);

    @Test
    void remembers_perCompressor() {
        CompressedDigests.in(cache, "c1").put(LAYER, GZ);

        Descriptor known = CompressedDigests.in(cache, "c1").get(LAYER);
        assertEquals(GZ.digest(), known.digest());
        assertEquals(GZ.size(), known.size());
        assertEquals(MediaTypes.DOCKER_LAYER_GZIP, known.mediaType());
        assertNull(CompressedDigests.in(cache, "c2").get(LAYER), "another compressor makes other bytes");
        assertNull(CompressedDigests.in(null, "c1").get(LAYER), "no cache, nothing known");
    }

    @Test
    void aGarbledOrHugeEntry_isNotKnown() throws IOException {
        Path entry = cache.resolve("push-gzip").resolve("c1").resolve(LAYER.hex());
        Files.createDirectories(entry.getParent());
        for (String garbage : new String[] {"", "sha256:xyz 12", GZ.digest() + " -", GZ.digest() + " 1 2",
                GZ.digest() + " " + "9".repeat(300)}) {
            Files.writeString(entry, garbage);
            assertNull(CompressedDigests.in(cache, "c1").get(LAYER), garbage);
        }
    }

    @Test
    void aReadOnlyCache_remembersNothing_andSaysNothing() throws IOException {
        Path file = cache.resolve("not-a-folder");
        Files.writeString(file, "x");

        CompressedDigests.in(file, "c1").put(LAYER, GZ);

        assertNull(CompressedDigests.in(file, "c1").get(LAYER));
    }
}
