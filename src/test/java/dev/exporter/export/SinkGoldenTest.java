package dev.exporter.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.docker.DockerArchiveSink;
import dev.exporter.image.BlobSource;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.Image;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ResolvedImage;
import dev.exporter.layout.OciArchiveSink;
import dev.exporter.layout.OciDirectorySink;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.testing.MemoryBlobSource;
import dev.exporter.transfer.ArchiveOutput;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.ImageSink;
import dev.exporter.transfer.ProgressListener;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every sink, fed by an in-memory source (no registry), writes byte for byte what the exporter wrote before the
 * sources/sinks redesign: the golden folder under {@code src/test/resources/golden} was written by commit 52c7d27 from
 * two images (sharing a layer) in a test registry; the same blobs are served here from the golden OCI archive itself.
 * The two golden tars never reached git ({@code .gitignore} drops {@code *.tar}): e6523af wrote them again from the
 * golden folder's images, and the OCI tar's entries equal that folder's files byte for byte. Changed on purpose
 * since, each checked entry by entry: tar header modes with file-type bits (cb9feec), ref.name as the full
 * reference (f23d733).
 */
class SinkGoldenTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    @TempDir
    Path dir;

    private static Map<String, byte[]> entries(Path tar) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return entries;
    }

    private record Fixture(ExportPlan plan, MemoryBlobSource source) {
    }

    /** The two golden images, named as index.json names them, with their blobs. */
    private static Fixture fixture(boolean tails) throws IOException {
        Map<String, byte[]> entries = entries(GOLDEN.resolve("oci-two.tar"));
        Map<Digest, byte[]> blobs = new HashMap<>();
        entries.forEach((name, content) -> {
            if (name.startsWith("blobs/sha256/")) {
                blobs.put(new Digest("sha256", name.substring("blobs/sha256/".length())), content);
            }
        });
        MemoryBlobSource source = new MemoryBlobSource(blobs, tails);
        List<ResolvedImage> images = new ArrayList<>();
        for (JsonNode entry : Json.parse(entries.get("index.json"), "index.json").get("manifests")) {
            Digest digest = Digest.parse(entry.get("digest").asText());
            ImageManifest manifest = (ImageManifest) ManifestDocument.parse(blobs.get(digest), null, "manifest");
            Digest config = manifest.config().digest();
            images.add(ResolvedImage.single(ImageReference.parse(entry.path("annotations").path("io.containerd.image.name").asText()),
                    null, new Image(manifest, ImageConfig.parse(blobs.get(config), config, "config"))));
        }
        assertEquals(2, images.size());
        return new Fixture(new ExportPlan(images, source), source);
    }

    private Downloads downloads(Fixture fixture, boolean cache) throws IOException {
        return new Downloads(fixture.source(), 3, Files.createTempDirectory(dir, "work"),
                cache ? dir.resolve("cache") : null, ProgressListener.NONE);
    }

    /** Writes into a regular file, so sinks may fill holes in place. */
    private byte[] toFile(Fixture fixture, boolean cache, Function<ArchiveOutput, ImageSink> sink) throws IOException {
        Path out = dir.resolve("out-" + System.nanoTime() + ".tar");
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            sink.apply(ArchiveOutput.file(channel, out)).write(fixture.plan(), downloads(fixture, cache));
        }
        return Files.readAllBytes(out);
    }

    /** Writes into a stream, front to back. */
    private byte[] toStream(Fixture fixture, Function<ArchiveOutput, ImageSink> sink) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sink.apply(ArchiveOutput.stream(Channels.newChannel(out))).write(fixture.plan(), downloads(fixture, false));
        return out.toByteArray();
    }

    @ParameterizedTest(name = "gzip trailers known: {0}")
    @ValueSource(booleans = {true, false})
    void dockerSink_intoFile_writesTheGoldenArchive(boolean tails) throws IOException {
        Fixture fixture = fixture(tails);
        assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("docker-two.tar")), toFile(fixture, false, DockerArchiveSink::new));
        assertEquals(3, fixture.source().reads.get(), "each of the three distinct layers is read once, configs never");
    }

    @Test
    void dockerSink_intoFile_throughTheCache_writesTheGoldenArchive() throws IOException {
        assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("docker-two.tar")), toFile(fixture(true), true, DockerArchiveSink::new));
    }

    @Test
    void dockerSink_intoStream_writesTheGoldenArchive() throws IOException {
        assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("docker-two.tar")), toStream(fixture(true), DockerArchiveSink::new));
    }

    @ParameterizedTest(name = "through the cache: {0}")
    @ValueSource(booleans = {true, false})
    void ociSink_intoFile_writesTheGoldenArchive(boolean cache) throws IOException {
        Fixture fixture = fixture(true);
        assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("oci-two.tar")), toFile(fixture, cache, OciArchiveSink::new));
        assertEquals(3, fixture.source().reads.get(), "the three layers, each read once; the configs come from the plan");
    }

    @Test
    void ociSink_intoStream_writesTheGoldenArchive() throws IOException {
        assertArrayEquals(Files.readAllBytes(GOLDEN.resolve("oci-two.tar")), toStream(fixture(true), OciArchiveSink::new));
    }

    @Test
    void ociDirectorySink_writesTheGoldenFolder() throws IOException {
        Path layout = dir.resolve("layout");
        Fixture fixture = fixture(true);
        new OciDirectorySink(layout).write(fixture.plan(), downloads(fixture, false));
        Path golden = GOLDEN.resolve("oci-dir");
        List<Path> expected;
        try (Stream<Path> files = Files.walk(golden)) {
            expected = files.filter(Files::isRegularFile).map(golden::relativize).sorted().toList();
        }
        List<Path> actual;
        try (Stream<Path> files = Files.walk(layout)) {
            actual = files.filter(Files::isRegularFile).map(layout::relativize).sorted().toList();
        }
        assertEquals(expected, actual);
        for (Path file : expected) {
            assertArrayEquals(Files.readAllBytes(golden.resolve(file)), Files.readAllBytes(layout.resolve(file)), file.toString());
        }
        assertTrue(actual.size() > 3);
    }
}
