package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.testing.Compression;
import dev.exporter.testing.Digests;
import dev.exporter.testing.Dockerd;
import dev.exporter.testing.ImageBuilder;
import dev.exporter.testing.Layer;
import dev.exporter.testing.LayerSpec;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestArtifact;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestIndex;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core promise, checked with the real consumer: archives written by exporter from a real registry load into a
 * real dockerd, with the image id equal to the config digest and the layers equal to the config's diff ids.
 */
@ExtendWith(SharedResources.class)
class PullToDockerTest {

    private static LocalRegistry registry;
    private static RegistryPusher pusher;
    private static Dockerd docker;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        registry = SharedRegistries.anonymous();
        pusher = new RegistryPusher(registry);
        docker = SharedDockerd.get();
    }

    @BeforeEach
    void emptyDocker() {
        docker.removeAllImages();
    }

    static Stream<Arguments> fixtures() {
        TestIndex ociIndex = TestImages.multiPlatform(ImageFormat.OCI);
        TestIndex dockerList = TestImages.multiPlatform(ImageFormat.DOCKER);
        return Stream.of(
                Arguments.of("docker-small", TestImages.small(ImageFormat.DOCKER), null, null),
                Arguments.of("oci-small", TestImages.small(ImageFormat.OCI), null, null),
                Arguments.of("many-layers", TestImages.manyLayers(ImageFormat.DOCKER, 33), null, null),
                Arguments.of("repeated-empty", TestImages.repeatedAndEmptyLayers(ImageFormat.DOCKER), null, null),
                Arguments.of("repeated-empty-oci", TestImages.repeatedAndEmptyLayers(ImageFormat.OCI), null, null),
                Arguments.of("zstd", TestImages.zstd(), null, null),
                Arguments.of("oci-index", ociIndex, null, ociIndex.child("linux/amd64")),
                Arguments.of("oci-index-arm64", ociIndex, "linux/arm64", ociIndex.child("linux/arm64/v8")),
                Arguments.of("manifest-list-armv7", dockerList, "linux/arm/v7", dockerList.child("linux/arm/v7")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void pull_fixture_loadsIntoDockerWithMatchingIds(String name, TestArtifact artifact, String platform, TestImage expected)
            throws IOException {
        TestImage image = expected != null ? expected : (TestImage) artifact;
        String repo = "core/" + name;
        pusher.push(artifact, repo, "v1");
        String ref = registry.hostPort() + "/" + repo + ":v1";
        Path out = dir.resolve(name + ".tar");

        List<String> args = new ArrayList<>(List.of(ref, "-o", out.toString()));
        if (platform != null) {
            args.addAll(List.of("--platform", platform));
        }
        ExporterCli.Result result = ExporterCli.create().run(args.toArray(String[]::new));

        assertEquals(0, result.exitCode(), result.stderr());
        assertLoadsAs(out, ref, image);
    }

    @Test
    void pull_toStdout_pipesIntoDockerLoad() {
        TestImage image = TestImages.small(ImageFormat.DOCKER, "stdout");
        pusher.push(image, "core/stdout", "latest");
        String ref = registry.hostPort() + "/core/stdout";

        ExporterCli.Result result = ExporterCli.create().run(ref, "-o", "-", "--quiet");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("", result.stderr(), "--quiet prints nothing");
        docker.loadFromStdin(result.stdout());
        assertImage(ref + ":latest", image);
    }

    @Test
    void pull_withoutOutput_writesRepoUnderscoreTagInCurrentFolder() {
        TestImage image = TestImages.small(ImageFormat.OCI, "default-name");
        pusher.push(image, "core/some/app", "2.5");

        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(registry.hostPort() + "/core/some/app:2.5");

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(Files.isRegularFile(dir.resolve("app_2.5.tar")), "app_2.5.tar written");
    }

    @Test
    void pull_twoImagesSharingLayers_storesEachLayerOnceAndLoadsBoth() throws IOException {
        TestImage first = TestImages.small(ImageFormat.DOCKER, "shared");
        TestImage second = TestImages.repeatedAndEmptyLayers(ImageFormat.DOCKER);
        pusher.push(first, "core/shared-a", "1");
        pusher.push(first, "core/shared-b", "1");
        pusher.push(second, "core/shared-c", "1");
        String a = registry.hostPort() + "/core/shared-a:1";
        String b = registry.hostPort() + "/core/shared-b:1";
        String c = registry.hostPort() + "/core/shared-c:1";
        Path out = dir.resolve("multi.tar");

        ExporterCli.Result result = ExporterCli.create().run(a, b, c, "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        Map<String, TarArchiveEntry> entries = entries(out);
        long layerFiles = entries.values().stream().filter(e -> e.getName().endsWith("/layer.tar") && !e.isSymbolicLink()).count();
        // first: 3 distinct layers; second: repeated layer, empty layer, last layer -> 3 distinct diff ids
        assertEquals(first.layers().size() + 3, layerFiles, "each distinct layer stored once");
        JsonNode manifest = dev.exporter.image.Json.parse(read(out, "manifest.json"), "manifest.json");
        assertEquals(2, manifest.size(), "same config under two names is one manifest entry");
        assertEquals(List.of(familiar(a), familiar(b)), texts(manifest.get(0).get("RepoTags")));
        docker.load(out);
        assertImage(a, first);
        assertImage(b, first);
        assertImage(c, second);
    }

    /** An image as `docker build` of docker 20.10 would describe it, with every field the v1 records carry. */
    static TestImage richConfigImage() {
        return dev.exporter.testing.ImageBuilder.of(ImageFormat.DOCKER)
                .layer(dev.exporter.testing.LayerSpec.empty().file("a.txt", "a"), dev.exporter.testing.Compression.GZIP)
                .layer(dev.exporter.testing.LayerSpec.empty().file("b.txt", "b"), dev.exporter.testing.Compression.GZIP)
                .env("PATH=/usr/bin", "GREETING=<héllo & \u2028 bye>")
                .cmd("sh", "-c", "echo \"$GREETING\"")
                .entrypoint("/entry")
                .workingDir("/srv")
                .label("z.last", "1")
                .label("a.first", "<&>")
                .configure(c -> {
                    c.put("created", "2024-03-04T05:06:07.123456700+00:00");
                    c.put("docker_version", "20.10.24");
                    c.put("author", "Tester <t@example.com>");
                    c.put("container", "3f3a");
                    c.put("comment", "rich");
                    var run = (com.fasterxml.jackson.databind.node.ObjectNode) c.get("config");
                    run.put("User", "1000:1000").put("Hostname", "").put("ArgsEscaped", true).put("StopSignal", "SIGQUIT")
                            .put("StopTimeout", 7).put("Image", "sha256:abc");
                    run.putObject("ExposedPorts").putObject("8080/tcp");
                    run.with("ExposedPorts").putObject("53/udp");
                    run.putObject("Volumes").putObject("/data");
                    run.putArray("Shell").add("/bin/bash").add("-c");
                    run.putArray("OnBuild").add("RUN true");
                    var health = run.putObject("Healthcheck");
                    health.putArray("Test").add("CMD").add("true");
                    health.put("Interval", 30000000000L).put("Retries", 3);
                    c.putObject("container_config").put("Hostname", "3f3a").putArray("Cmd").add("/bin/sh").add("-c").add("#(nop) CMD");
                })
                .build();
    }

    static Stream<Arguments> fidelityFixtures() {
        return Stream.of(
                Arguments.of("repeated-empty", TestImages.repeatedAndEmptyLayers(ImageFormat.DOCKER)),
                Arguments.of("rich-config", richConfigImage()),
                Arguments.of("single-layer", TestImages.manyLayers(ImageFormat.OCI, 1)));
    }

    /**
     * docker save of what we loaded must reproduce our layer folder ids, json records, symlinks and tags: the
     * archive is what docker itself would have written.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fidelityFixtures")
    void pull_archive_matchesWhatDockerSaveWrites(String name, TestImage image) throws IOException {
        pusher.push(image, "core/fidelity-" + name, "1.0");
        String ref = registry.hostPort() + "/core/fidelity-" + name + ":1.0";
        Path ours = dir.resolve("ours.tar");
        assertEquals(0, ExporterCli.create().run(ref, "-o", ours.toString()).exitCode());
        docker.load(ours);
        assertImage(ref, image);
        Path theirs = dir.resolve("theirs.tar");
        docker.save(List.of(ref), theirs);

        Map<String, TarArchiveEntry> ourEntries = entries(ours);
        Map<String, TarArchiveEntry> theirEntries = entries(theirs);
        assertEquals(theirEntries.keySet(), ourEntries.keySet());
        // docker 20.10 leaves the folder of a repeated (symlinked) layer at the time of saving; ours is reproducible
        List<String> linkedFolders = theirEntries.values().stream().filter(TarArchiveEntry::isSymbolicLink)
                .map(e -> e.getName().split("/")[0]).toList();
        for (String entry : theirEntries.keySet()) {
            TarArchiveEntry o = ourEntries.get(entry);
            TarArchiveEntry t = theirEntries.get(entry);
            assertEquals(t.isSymbolicLink(), o.isSymbolicLink(), entry);
            assertEquals(t.getLinkName(), o.getLinkName(), entry);
            if (!linkedFolders.contains(entry.split("/")[0])) {
                assertEquals(t.getModTime().getTime() / 1000, o.getModTime().getTime() / 1000, entry);
            }
            if (!entry.endsWith("layer.tar") && !t.isDirectory()) {
                assertEquals(new String(read(theirs, entry), StandardCharsets.UTF_8),
                        new String(read(ours, entry), StandardCharsets.UTF_8), entry);
            }
        }
    }

    /**
     * Into a file, layers are decompressed straight into holes sized by their gzip trailers; that archive must be
     * byte-identical to the one streamed to stdout, which goes through temporary files.
     */
    @Test
    void pull_toFile_writesLayersInPlace_identicalToStreamedArchive() throws IOException {
        TestImage image = TestImages.manyLayers(ImageFormat.DOCKER, 5);
        pusher.push(image, "core/in-place", "1");
        String ref = registry.hostPort() + "/core/in-place:1";
        Path file = dir.resolve("in-place.tar");

        assertFileEqualsStreamed(ref, file);
        assertLoadsAs(file, ref, image);
    }

    /**
     * A layer of two gzip members announces only the second member's size in its trailer: the hole would be too
     * small, so the export starts the file over through temporary files and still writes the right archive.
     */
    @Test
    void pull_layerWhoseTrailerMisstatesItsSize_fallsBackAndLoads() throws IOException {
        byte[] tar = LayerSpec.of(Map.of("etc/first", "x".repeat(5000).getBytes(StandardCharsets.UTF_8),
                "etc/second", "y".repeat(7000).getBytes(StandardCharsets.UTF_8))).tar();
        int split = 1024; // the second member's size is a whole number of tar blocks, so it passes for the layer's
        assertEquals(0, tar.length % 512);
        byte[] blob = concat(gzip(Arrays.copyOfRange(tar, 0, split)), gzip(Arrays.copyOfRange(tar, split, tar.length)));
        Layer twoMembers = new Layer(blob, Digests.sha256(blob), Digests.sha256(tar),
                ImageFormat.DOCKER.layerMediaType(Compression.GZIP), Compression.GZIP);
        TestImage image = ImageBuilder.of(ImageFormat.DOCKER)
                .layer(LayerSpec.of(Map.of("bin/tool", new byte[]{1, 2, 3})), Compression.GZIP)
                .layer(twoMembers)
                .build();
        pusher.push(image, "core/two-members", "1");
        String ref = registry.hostPort() + "/core/two-members:1";
        Path file = dir.resolve("two-members.tar");

        assertFileEqualsStreamed(ref, file);
        assertLoadsAs(file, ref, image);
    }

    /** Exports {@code ref} into {@code file} and to stdout; both archives must be the same bytes. */
    private static void assertFileEqualsStreamed(String ref, Path file) throws IOException {
        ExporterCli.Result toFile = ExporterCli.create().run(ref, "-o", file.toString(), "-q", "--no-cache");
        ExporterCli.Result streamed = ExporterCli.create().run(ref, "-o", "-", "-q", "--no-cache");
        assertEquals(0, toFile.exitCode(), toFile.stderr());
        assertEquals(0, streamed.exitCode(), streamed.stderr());
        assertArrayEquals(streamed.stdout(), Files.readAllBytes(file), "the archive in the file equals the streamed one");
    }

    private static byte[] gzip(byte[] content) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertLoadsAs(Path archive, String ref, TestImage image) {
        docker.load(archive);
        assertImage(ref, image);
    }

    private static void assertImage(String ref, TestImage image) {
        JsonNode inspect = docker.inspect(ref);
        assertEquals(image.configDigest(), inspect.get("Id").asText(), "image id is the config digest");
        assertTrue(texts(inspect.get("RepoTags")).contains(familiar(ref)), inspect.get("RepoTags").toString());
        assertEquals(image.diffIds(), texts(inspect.get("RootFS").get("Layers")), "layers are the diff ids");
    }

    /** docker shows loopback registry names as written; only docker.io names are shortened. */
    private static String familiar(String ref) {
        return ref;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static Map<String, TarArchiveEntry> entries(Path tar) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName().replaceAll("/$", ""), e);
            }
        }
        return entries;
    }

    static byte[] read(Path tar, String name) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError(name + " not in " + tar);
    }
}
