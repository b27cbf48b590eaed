package dev.exporter.docker;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.reference.Digest;
import dev.exporter.testing.Compression;
import dev.exporter.testing.ImageBuilder;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.Layer;
import dev.exporter.testing.LayerSpec;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerArchiveReaderTest {

    private static final Layer A = LayerSpec.empty().file("a.txt", "layer a\n").build(ImageFormat.DOCKER, Compression.NONE);
    private static final Layer B = LayerSpec.empty().file("b.txt", "layer b\n").build(ImageFormat.DOCKER, Compression.NONE);
    /** A, B, A again: docker save stores the repeat as a symlink to the first. */
    private static final TestImage IMAGE = ImageBuilder.of(ImageFormat.DOCKER).layer(A).layer(B).layer(A).build();

    @TempDir
    Path dir;

    /** Entries in order; a String value starting with "->" is a symlink, "=>" a hard link. */
    private Path archive(String name, Map<String, Object> entries) throws IOException {
        Path file = dir.resolve(name);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                if (e.getValue() instanceof String link) {
                    byte type = link.startsWith("->") ? TarConstants.LF_SYMLINK : TarConstants.LF_LINK;
                    TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), type);
                    entry.setLinkName(link.substring(2));
                    tar.putArchiveEntry(entry);
                } else {
                    byte[] data = (byte[]) e.getValue();
                    TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                    entry.setSize(data.length);
                    tar.putArchiveEntry(entry);
                    tar.write(data);
                }
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String configName(TestImage image) {
        return image.configDigest().substring("sha256:".length()) + ".json";
    }

    /** The classic docker 20.10 layout of {@link #IMAGE}, with {@code layers} as manifest.json's Layers. */
    private Path classic(String name, List<String> layers) throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put(configName(IMAGE), IMAGE.configBytes());
        entries.put("l1/VERSION", utf8("1.0"));
        entries.put("l1/layer.tar", A.blob());
        entries.put("b-blob.tar", B.blob());
        entries.put("l2/layer.tar", "=>b-blob.tar");
        entries.put("l3/layer.tar", "->../l1/layer.tar");
        entries.put("manifest.json", utf8("[{\"Config\":\"" + configName(IMAGE) + "\",\"RepoTags\":[\"app:1\",\"app:latest\"],"
                + "\"Layers\":[" + String.join(",", layers.stream().map(l -> "\"" + l + "\"").toList()) + "]}]\n"));
        entries.put("repositories", utf8("{}\n"));
        return archive(name, entries);
    }

    private Path classic() throws IOException {
        return classic("classic.tar", List.of("l1/layer.tar", "l2/layer.tar", "l3/layer.tar"));
    }

    private static byte[] readAll(DockerArchiveReader reader, Descriptor descriptor) throws IOException {
        try (InputStream in = reader.open(descriptor)) {
            return in.readAllBytes();
        }
    }

    @Test
    void images_classicArchive_makeUpADockerManifestFromTheStoredFiles() throws IOException {
        try (DockerArchiveReader reader = DockerArchiveReader.open(classic(), dir)) {
            assertEquals(1, reader.images().size());
            SourceImage image = reader.images().get(0);
            assertEquals(List.of("app:1", "app:latest"), image.names());
            ImageManifest manifest = (ImageManifest) image.root();
            assertEquals(MediaTypes.DOCKER_MANIFEST, manifest.mediaType());
            assertEquals(Descriptor.of(MediaTypes.DOCKER_CONFIG, Digest.parse(IMAGE.configDigest()), IMAGE.configBytes().length),
                    manifest.config());
            List<String> layerDigests = manifest.layers().stream().map(d -> d.digest().toString()).toList();
            assertEquals(IMAGE.diffIds(), layerDigests, "an uncompressed layer's digest is its diff id");
            assertTrue(manifest.layers().stream().allMatch(d -> d.mediaType().equals(MediaTypes.DOCKER_LAYER)));
            assertEquals(List.of(manifest), image.images().stream().map(i -> i.manifest()).toList());
            assertEquals(IMAGE.diffIds(), image.images().get(0).config().diffIds().stream().map(Digest::toString).toList());

            assertArrayEquals(IMAGE.configBytes(), readAll(reader, manifest.config()));
            assertArrayEquals(A.blob(), readAll(reader, manifest.layers().get(0)));
            assertArrayEquals(B.blob(), readAll(reader, manifest.layers().get(1)), "through the hard link");
            assertArrayEquals(A.blob(), readAll(reader, manifest.layers().get(2)), "through the symlink");
            Descriptor self = Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.raw().length);
            assertArrayEquals(manifest.raw(), readAll(reader, self), "the made-up manifest is served too");
        }
    }

    @Test
    void images_docker25Blobs_sniffGzipAndZstdLayersForTheirMediaTypes() throws IOException {
        TestImage image = TestImages.zstd(); // zstd, gzip, zstd
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put("blobs/sha256/" + image.configDigest().substring(7), image.configBytes());
        List<String> layers = new ArrayList<>();
        for (Layer layer : image.layers()) {
            String path = "blobs/sha256/" + layer.digest().substring(7);
            entries.put(path, layer.blob());
            layers.add("\"" + path + "\"");
        }
        entries.put("manifest.json", utf8("[{\"Config\":\"blobs/sha256/" + image.configDigest().substring(7)
                + "\",\"RepoTags\":null,\"Layers\":[" + String.join(",", layers) + "]}]"));

        try (DockerArchiveReader reader = DockerArchiveReader.open(archive("docker25.tar", entries), dir)) {
            SourceImage source = reader.images().get(0);
            assertEquals(List.of(), source.names());
            ImageManifest manifest = (ImageManifest) source.root();
            assertEquals(List.of(MediaTypes.OCI_LAYER_ZSTD, MediaTypes.DOCKER_LAYER_GZIP, MediaTypes.OCI_LAYER_ZSTD),
                    manifest.layers().stream().map(Descriptor::mediaType).toList());
            assertEquals(image.layers().stream().map(Layer::digest).toList(),
                    manifest.layers().stream().map(d -> d.digest().toString()).toList());
            for (Descriptor layer : manifest.layers()) {
                assertEquals(layer.size(), readAll(reader, layer).length);
            }
        }
    }

    /**
     * docker 25's layout of {@code image} (config and layers under {@code blobs/sha256/}, named by their digests),
     * with {@code layers} as the files its manifest.json lists (each stored under its own digest's name).
     */
    private Path docker25(String name, TestImage image, List<byte[]> layers, Map<String, Object> extra) throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put("blobs/sha256/" + image.configDigest().substring(7), image.configBytes());
        List<String> paths = new ArrayList<>();
        for (byte[] blob : layers) {
            String path = "blobs/sha256/" + Digest.sha256Of(blob).hex();
            entries.putIfAbsent(path, blob);
            paths.add("\"" + path + "\"");
        }
        entries.putAll(extra);
        entries.put("manifest.json", utf8("[{\"Config\":\"blobs/sha256/" + image.configDigest().substring(7)
                + "\",\"RepoTags\":[\"app:1\"],\"Layers\":[" + String.join(",", paths) + "]}]"));
        return archive(name, entries);
    }

    @Test
    void open_compressedLayerDamaged_isRefusedNamingIt() throws IOException {
        TestImage image = TestImages.zstd(); // zstd, gzip, zstd
        Layer gzip = image.layers().get(1);
        byte[] damaged = gzip.blob().clone();
        damaged[damaged.length / 2] ^= 0x40;
        String path = "blobs/sha256/" + gzip.digest().substring(7);
        Path file = docker25("damaged.tar", image, image.layers().stream().map(Layer::blob).toList(),
                Map.of(path, damaged));

        ContentException e = assertThrows(ContentException.class, () -> DockerArchiveReader.open(file, dir));
        assertTrue(e.getMessage().startsWith("read docker archive " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("Layers[1] '" + path + "'"), e.getMessage());
        assertTrue(e.getMessage().endsWith(": the archive is damaged"), e.getMessage());
    }

    @Test
    void open_compressedLayerNotUncompressingToItsDiffId_isRefusedNamingBoth() throws IOException {
        TestImage image = TestImages.zstd();
        Layer other = LayerSpec.empty().file("other.txt", "not this image's layer\n").build(ImageFormat.DOCKER, Compression.GZIP);
        List<byte[]> layers = new ArrayList<>(image.layers().stream().map(Layer::blob).toList());
        layers.set(1, other.blob()); // a sound gzip file under its own digest, but not the layer the config names
        Path file = docker25("other.tar", image, layers, Map.of());

        ContentException e = assertThrows(ContentException.class, () -> DockerArchiveReader.open(file, dir));
        assertEquals("read docker archive " + file + ": Layers[1] 'blobs/sha256/" + other.digest().substring(7)
                + "' uncompresses to " + other.diffId() + ", not the config's diff id " + image.layers().get(1).diffId()
                + ": the archive is damaged", e.getMessage());
    }

    @Test
    void open_soundCompressedLayers_areServedUnderTheirFileDigests() throws IOException {
        TestImage image = TestImages.zstd();
        Path file = docker25("sound.tar", image, image.layers().stream().map(Layer::blob).toList(), Map.of());

        try (DockerArchiveReader reader = DockerArchiveReader.open(file, dir)) {
            ImageManifest manifest = (ImageManifest) reader.images().get(0).root();
            assertEquals(image.layers().stream().map(Layer::digest).toList(),
                    manifest.layers().stream().map(d -> d.digest().toString()).toList());
        }
    }

    @Test
    void open_configChangedAfterSaving_isRefusedByTheDigestItsNameSays() throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        byte[] changed = (new String(IMAGE.configBytes(), StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
        entries.put(configName(IMAGE), changed); // still valid JSON, with the same diff ids
        entries.put("l1/layer.tar", A.blob());
        entries.put("l2/layer.tar", B.blob());
        entries.put("manifest.json", utf8("[{\"Config\":\"" + configName(IMAGE) + "\",\"RepoTags\":[\"app:1\"],"
                + "\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\",\"l1/layer.tar\"]}]"));
        Path file = archive("config.tar", entries);

        ContentException e = assertThrows(ContentException.class, () -> DockerArchiveReader.open(file, dir));
        assertEquals("read docker archive " + file + ": manifest.json[0]: Config '" + configName(IMAGE) + "' has digest "
                + Digest.sha256Of(changed) + ", not the " + IMAGE.configDigest() + " its name says: the archive is damaged",
                e.getMessage());
    }

    @Test
    void open_manyEntriesOfOneImage_shareOneParsedConfigAndManifest() throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put(configName(IMAGE), IMAGE.configBytes());
        entries.put("l1/layer.tar", A.blob());
        entries.put("l2/layer.tar", B.blob());
        List<String> images = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            images.add("{\"Config\":\"" + configName(IMAGE) + "\",\"RepoTags\":[\"app:" + i + "\"],"
                    + "\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\",\"l1/layer.tar\"]}");
        }
        entries.put("manifest.json", utf8("[" + String.join(",", images) + "]"));

        try (DockerArchiveReader reader = DockerArchiveReader.open(archive("many.tar", entries), dir)) {
            List<SourceImage> read = reader.images();
            assertEquals(500, read.size());
            assertEquals(List.of("app:499"), read.get(499).names());
            assertSame(read.get(0).root(), read.get(499).root(), "one manifest object for all entries");
            assertSame(read.get(0).images().get(0).config(), read.get(499).images().get(0).config(), "one parsed config");
        }
    }

    @Test
    void open_gzipCompressedArchive_readsTheSameImage() throws IOException {
        Path plain = classic();
        Path gzip = dir.resolve("classic.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
            Files.copy(plain, out);
        }
        Path temp = Files.createDirectory(dir.resolve("temp"));
        try (DockerArchiveReader a = DockerArchiveReader.open(plain, temp);
             DockerArchiveReader b = DockerArchiveReader.open(gzip, temp)) {
            assertEquals(a.images().get(0).root().digest(), b.images().get(0).root().digest());
        }
        try (var left = Files.list(temp)) {
            assertEquals(0, left.count(), "the decompressed copy is deleted on close");
        }
    }

    @Test
    void open_layerFileChangedAfterIndexing_failsWithContentExceptionNamingFileAndDigest() throws IOException {
        Path file = classic();
        try (DockerArchiveReader reader = DockerArchiveReader.open(file, dir)) {
            Descriptor layer = ((ImageManifest) reader.images().get(0).root()).layers().get(1);
            flipByteOf(file, B.blob());

            ContentException e = assertThrows(ContentException.class, () -> readAll(reader, layer));
            assertEquals("read docker archive " + file + ": Layers[1] 'l2/layer.tar' (" + B.diffId()
                    + "): digest mismatch: the " + B.size() + " bytes read do not hash to " + B.diffId(), e.getMessage());
        }
    }

    @Test
    void uncompressedLayerNotMatchingItsDiffId_isRefusedWhenRead_namingFileAndDiffId() throws IOException {
        Path file = classic();
        flipByteOf(file, B.blob());

        try (DockerArchiveReader reader = DockerArchiveReader.open(file, dir)) {
            Descriptor layer = ((ImageManifest) reader.images().get(0).root()).layers().get(1);
            assertEquals(B.diffId(), layer.digest().toString());
            ContentException e = assertThrows(ContentException.class, () -> readAll(reader, layer));
            assertEquals("read docker archive " + file + ": Layers[1] 'l2/layer.tar' (" + B.diffId()
                    + "): digest mismatch: the " + B.size() + " bytes read do not hash to " + B.diffId(), e.getMessage());
        }
    }

    @Test
    void open_missingLayerFile_namesTheManifestEntry() throws IOException {
        Path file = classic("missing.tar", List.of("l1/layer.tar", "abc/layer.tar", "l3/layer.tar"));

        ManifestException e = assertThrows(ManifestException.class, () -> DockerArchiveReader.open(file, dir));
        assertEquals("read docker archive " + file + ": manifest.json[0]: Layers[1] 'abc/layer.tar' is not in the archive",
                e.getMessage());
    }

    @Test
    void open_layerCountNotMatchingDiffIds_isRefused() throws IOException {
        Path file = classic("short.tar", List.of("l1/layer.tar", "l2/layer.tar"));

        ManifestException e = assertThrows(ManifestException.class, () -> DockerArchiveReader.open(file, dir));
        assertEquals("read docker archive " + file + ": manifest.json[0]: 2 Layers but Config '" + configName(IMAGE)
                + "' lists 3 rootfs.diff_ids", e.getMessage());
    }

    @Test
    void open_withoutManifestJson_saysSo() throws IOException {
        Path file = archive("none.tar", Map.of("repositories", utf8("{}")));

        ManifestException e = assertThrows(ManifestException.class, () -> DockerArchiveReader.open(file, dir));
        assertEquals("read docker archive " + file + ": no manifest.json in the archive (is it a docker save archive?)",
                e.getMessage());
    }

    @Test
    void open_unknownDigest_isFileNotFound() throws IOException {
        try (DockerArchiveReader reader = DockerArchiveReader.open(classic(), dir)) {
            Digest other = Digest.sha256Of("other");
            FileNotFoundException e = assertThrows(FileNotFoundException.class,
                    () -> reader.open(Descriptor.of(MediaTypes.DOCKER_LAYER, other, 5)));
            assertTrue(e.getMessage().endsWith(": no file with digest " + other + " in the archive"), e.getMessage());
        }
    }

    /** Flips the first byte of {@code content} where it is stored in {@code file}, in place. */
    static void flipByteOf(Path file, byte[] content) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int at = indexOf(bytes, content);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {(byte) (bytes[at] ^ 1)}), at);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("content not found in the archive");
    }
}
