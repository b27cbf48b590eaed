package dev.exporter.layout;

import com.github.luben.zstd.ZstdOutputStream;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.testing.Digests;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestIndex;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciLayoutReaderTest {

    private static final TestIndex INDEX = TestImages.multiPlatform(ImageFormat.OCI);
    private static final TestImage SINGLE = TestImages.small(ImageFormat.OCI, "layout");

    @TempDir
    Path dir;

    /**
     * A layout with three entries: the multi-platform index (full name and tag; linux/arm/v7's config left out as if
     * only two platforms were copied), a single image with a bare tag, and an index nesting the first index.
     */
    private Path layout() throws IOException {
        Path root = Files.createDirectory(dir.resolve("layout"));
        Files.writeString(root.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        for (TestImage child : INDEX.children()) {
            blob(root, child.manifestBytes());
            child.blobs().forEach((digest, bytes) -> {
                if (!(child.platform().toString().equals("linux/arm/v7") && digest.equals(child.configDigest()))) {
                    blob(root, bytes);
                }
            });
        }
        blob(root, INDEX.manifestBytes());
        blob(root, SINGLE.manifestBytes());
        SINGLE.blobs().values().forEach(bytes -> blob(root, bytes));
        byte[] outer = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + descriptor(MediaTypes.OCI_INDEX, INDEX.manifestBytes(), "") + "]}").getBytes(StandardCharsets.UTF_8);
        blob(root, outer);
        Files.writeString(root.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":["
                + descriptor(MediaTypes.OCI_INDEX, INDEX.manifestBytes(),
                ",\"annotations\":{\"io.containerd.image.name\":\"127.0.0.1:5000/multi:1\",\"org.opencontainers.image.ref.name\":\"1\"}")
                + "," + descriptor(MediaTypes.OCI_MANIFEST, SINGLE.manifestBytes(),
                ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}")
                + "," + descriptor(MediaTypes.OCI_INDEX, outer, "") + "]}");
        return root;
    }

    private static String descriptor(String mediaType, byte[] content, String more) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digests.sha256(content) + "\",\"size\":"
                + content.length + more + "}";
    }

    private static void blob(Path root, byte[] content) {
        try {
            Path file = root.resolve("blobs/sha256/" + Digests.sha256(content).substring(7));
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path tar(Path folder, String compression) throws IOException {
        Path file = dir.resolve("layout.tar" + compression);
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = compression.isEmpty() ? raw : new ZstdOutputStream(raw);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
             Stream<Path> files = Files.walk(folder)) {
            for (Path path : files.filter(Files::isRegularFile).toList()) {
                TarArchiveEntry entry = new TarArchiveEntry("./" + folder.relativize(path));
                entry.setSize(Files.size(path));
                tar.putArchiveEntry(entry);
                Files.copy(path, tar);
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    private static List<String> configDigests(SourceImage image) {
        return image.images().stream().map(i -> i.config().digest().toString()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"folder", "tar", "tar.zst"})
    void images_everyIndexEntry_withNamesRootAndThePresentImages(String form) throws IOException {
        Path folder = layout();
        Path path = form.equals("folder") ? folder : tar(folder, form.equals("tar") ? "" : ".zst");

        try (OciLayoutReader reader = OciLayoutReader.open(path, dir)) {
            List<SourceImage> images = reader.images();
            assertEquals(3, images.size());
            assertEquals(List.of("127.0.0.1:5000/multi:1"), images.get(0).names(), "containerd's full name wins");
            assertEquals(List.of("v1"), images.get(1).names(), "a bare tag is kept as it is");
            assertEquals(List.of(), images.get(2).names());

            assertInstanceOf(ImageIndex.class, images.get(0).root());
            assertArrayEquals(INDEX.manifestBytes(), images.get(0).root().raw());
            List<String> present = List.of(INDEX.child("linux/amd64").configDigest(),
                    INDEX.child("linux/arm64/v8").configDigest());
            assertEquals(present, configDigests(images.get(0)), "arm/v7 has no config in the layout");
            assertEquals(present, configDigests(images.get(2)), "found through the nested index");

            ImageManifest single = assertInstanceOf(ImageManifest.class, images.get(1).root());
            assertEquals(SINGLE.manifestDigest(), single.digest().toString());
            Image image = images.get(1).images().get(0);
            assertEquals(SINGLE.diffIds(), image.config().diffIds().stream().map(Object::toString).toList());
            for (Descriptor layer : single.layers()) {
                try (InputStream in = reader.open(layer)) {
                    assertArrayEquals(SINGLE.blobs().get(layer.digest().toString()), in.readAllBytes());
                }
            }
        }
    }

    @Test
    void open_blobChangedOnDisk_failsWithContentExceptionNamingThePath() throws IOException {
        Path folder = layout();
        try (OciLayoutReader reader = OciLayoutReader.open(folder)) {
            Descriptor layer = ((ImageManifest) reader.images().get(1).root()).layers().get(2);
            Path file = folder.resolve("blobs/sha256/" + layer.digest().hex());
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 2] ^= 1;
            Files.write(file, bytes);

            ContentException e = assertThrows(ContentException.class, () -> {
                try (InputStream in = reader.open(layer)) {
                    in.readAllBytes();
                }
            });
            assertEquals("read OCI layout " + folder + ": blobs/sha256/" + layer.digest().hex() + ": digest mismatch: the "
                    + bytes.length + " bytes read do not hash to " + layer.digest(), e.getMessage());
        }
    }

    @Test
    void open_rootManifestNotMatchingItsEntry_isRefused() throws IOException {
        Path folder = layout();
        Path manifest = folder.resolve("blobs/sha256/" + SINGLE.manifestDigest().substring(7));
        Files.writeString(manifest, Files.readString(manifest).replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));

        ContentException e = assertThrows(ContentException.class, () -> OciLayoutReader.open(folder));
        assertTrue(e.getMessage().startsWith("read OCI layout " + folder + ": index.json manifests[1] "
                + SINGLE.manifestDigest() + ": blobs/sha256/"), e.getMessage());
        assertTrue(e.getMessage().endsWith(": sent more than the declared " + SINGLE.manifestBytes().length + " bytes"),
                e.getMessage());
    }

    @Test
    void open_entryWhoseBlobIsMissing_isRefused() throws IOException {
        Path folder = layout();
        Files.delete(folder.resolve("blobs/sha256/" + SINGLE.manifestDigest().substring(7)));

        ManifestException e = assertThrows(ManifestException.class, () -> OciLayoutReader.open(folder));
        assertEquals("read OCI layout " + folder + ": index.json manifests[1] " + SINGLE.manifestDigest() + ": blob blobs/sha256/"
                + SINGLE.manifestDigest().substring(7) + " is not in the layout", e.getMessage());
    }

    @Test
    void open_withoutOciLayoutFile_isNotALayout() throws IOException {
        Path folder = layout();
        Files.delete(folder.resolve("oci-layout"));

        ManifestException e = assertThrows(ManifestException.class, () -> OciLayoutReader.open(folder));
        assertEquals("read OCI layout " + folder + ": no oci-layout file (is it an OCI image layout?)", e.getMessage());
    }

    /** A FIFO (or a link to /dev/zero) would block or never end; it is refused as no index.json, and says why. */
    @Test
    void open_indexJsonThatIsNotARegularFile_isRefusedSayingSo() throws IOException {
        Path folder = layout();
        Files.delete(folder.resolve("index.json"));
        Files.createSymbolicLink(folder.resolve("index.json"), Path.of("/dev/zero"));

        ManifestException e = assertThrows(ManifestException.class, () -> OciLayoutReader.open(folder));
        assertEquals("read OCI layout " + folder + ": no index.json in the layout (or it is not a regular file)",
                e.getMessage());
    }

    @Test
    void open_unsupportedLayoutVersion_isRefused() throws IOException {
        Path folder = layout();
        Files.writeString(folder.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");

        ManifestException e = assertThrows(ManifestException.class, () -> OciLayoutReader.open(folder));
        assertTrue(e.getMessage().endsWith("oci-layout: unsupported imageLayoutVersion '2.0.0' (expected 1.x)"), e.getMessage());
    }

    @Test
    void open_indexEntryWhoseDigestWouldLeadElsewhere_isRefusedBeforeAnyPathIsBuilt() throws IOException {
        Path folder = layout();
        Files.writeString(folder.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"sha256:../../../etc/passwd\",\"size\":1}]}");

        ManifestException e = assertThrows(ManifestException.class, () -> OciLayoutReader.open(folder));
        assertEquals("read OCI layout " + folder + ": index.json entry: invalid digest 'sha256:../../../etc/passwd'",
                e.getMessage());
    }
}
