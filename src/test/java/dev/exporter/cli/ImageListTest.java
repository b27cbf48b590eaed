package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.Dockerd;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestIndex;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bundles of images: {@code -f} lists (file and stdin), {@code --dry-run} and {@code --digestfile}. */
@ExtendWith(SharedResources.class)
class ImageListTest {

    private static LocalRegistry registry;
    private static TestImage one;
    private static TestImage two;
    private static TestIndex multi;
    private static String oneDigest;
    private static String twoDigest;
    private static String multiDigest;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        registry = SharedRegistries.anonymous();
        RegistryPusher pusher = new RegistryPusher(registry);
        one = TestImages.small(ImageFormat.OCI, "list-one");
        two = TestImages.small(ImageFormat.DOCKER, "list-two");
        multi = TestImages.multiPlatform(ImageFormat.OCI);
        oneDigest = pusher.push(one, "list/one", "v1");
        twoDigest = pusher.push(two, "list/two", "v2");
        multiDigest = pusher.push(multi, "list/multi", "v3");
    }

    private static String ref(String repoAndTag) {
        return registry.hostPort() + "/" + repoAndTag;
    }

    private static List<String> indexNames(Path ociTar) throws IOException {
        JsonNode index = Json.parse(PullToDockerTest.read(ociTar, "index.json"), "index.json");
        List<String> names = new ArrayList<>();
        index.get("manifests").forEach(e -> names.add(e.path("annotations").path("io.containerd.image.name").asText()));
        return names;
    }

    private Path list(String... lines) throws IOException {
        Path file = dir.resolve("images.txt");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void imagesFile_withCommentsAndBlanks_addsItsImagesAfterTheArguments() throws IOException {
        Path file = list("# product images", "", "   " + ref("list/two:v2") + "   ", "\t", "  # indented comment",
                ref("list/multi:v3"));
        Path out = dir.resolve("bundle.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref("list/one:v1"), "-f", file.toString(),
                "--format", "oci", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(ref("list/one:v1"), ref("list/two:v2"), ref("list/multi:v3")), indexNames(out));
    }

    @Test
    void imagesFile_fromStandardInput_isReadAsAList() throws IOException {
        Path out = dir.resolve("stdin.tar");

        ExporterCli.Result result = ExporterCli.create().stdin("# from a pipe\r\n" + ref("list/one:v1") + "\r\n\r\n"
                        + ref("list/two:v2") + "\r\n")
                .run("-f", "-", "--format", "oci", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(ref("list/one:v1"), ref("list/two:v2")), indexNames(out));
    }

    @Test
    void imagesFile_withABadLine_isAUsageErrorNamingFileAndLine_andWritesNothing() throws IOException {
        Path file = list("# header", ref("list/one:v1"), "", "Not A/Valid:Reference:", ref("list/two:v2"));
        Path out = dir.resolve("never.tar");

        ExporterCli.Result result = ExporterCli.create().run("-f", file.toString(), "-o", out.toString());

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.error().startsWith("exporter: " + file + " line 4: invalid reference 'Not A/Valid:Reference:'"),
                result.error());
        assertFalse(Files.exists(out));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "nothing but the list in the folder");
        }
    }

    @Test
    void imagesFile_missing_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("-f", dir.resolve("absent.txt").toString());

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.error().contains("--images-file " + dir.resolve("absent.txt") + ": no such file"), result.error());
    }

    @Test
    void imagesFile_ofADockerArchive_loadsEveryImageWithItsId() throws IOException {
        Path file = list(ref("list/one:v1"), ref("list/two:v2"), ref("list/multi:v3"));
        Path out = dir.resolve("docker.tar");

        ExporterCli.Result result = ExporterCli.create().run("-f", file.toString(), "--platform", "linux/arm64/v8",
                "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();
        docker.load(out);
        assertEquals(one.configDigest(), docker.inspect(ref("list/one:v1")).get("Id").asText());
        assertEquals(two.configDigest(), docker.inspect(ref("list/two:v2")).get("Id").asText());
        assertEquals(multi.child("linux/arm64/v8").configDigest(), docker.inspect(ref("list/multi:v3")).get("Id").asText());
    }

    @Test
    void dryRun_printsTheRegistrysDigestsAndSizes_andWritesNothing() throws IOException {
        Path file = list(ref("list/two:v2"), ref("list/multi:v3"));
        Path out = dir.resolve("dry.tar");
        ExporterCli cli = ExporterCli.create();

        ExporterCli.Result result = cli.run(ref("list/one:v1"), "-f", file.toString(), "--dry-run", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdoutText().lines().toList();
        assertEquals(4, lines.size(), result.stdoutText());
        long oneSize = one.blobs().values().stream().mapToLong(b -> b.length).sum();
        assertEquals(ref("list/one:v1") + "  " + oneDigest + "  linux/amd64  3 layers  " + Units.size(oneSize), lines.get(0));
        assertTrue(lines.get(1).startsWith(ref("list/two:v2") + "  " + twoDigest + "  linux/amd64  3 layers  "), lines.get(1));
        assertTrue(lines.get(2).startsWith(ref("list/multi:v3") + "  " + multiDigest + "  linux/amd64  2 layers  "), lines.get(2));
        long uncompressed = Stream.of(one, two, multi.child("linux/amd64")).mapToLong(ImageListTest::uncompressedSize).sum();
        assertTrue(lines.get(3).startsWith("Total: 3 images, 8 layers, "), lines.get(3));
        assertTrue(lines.get(3).endsWith(" uncompressed (" + uncompressed + " bytes)"), lines.get(3));
        assertFalse(Files.exists(out));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList());
        }
        assertFalse(Files.exists(cli.home().resolve("cache")), "no config kept in the cache either");
    }

    @Test
    void dryRun_ofAnOciLayoutWithSeveralPlatforms_listsThemAndTheCompressedTotal() {
        ExporterCli.Result result = ExporterCli.create().run(ref("list/multi:v3"), "--format", "oci-dir",
                "--platform", "linux/amd64", "--platform", "linux/arm/v7", "--dry-run", "-o", dir.resolve("layout").toString());

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdoutText().lines().toList();
        assertTrue(lines.get(0).startsWith(ref("list/multi:v3") + "  " + multiDigest + "  linux/amd64,linux/arm/v7  4 layers  "),
                lines.get(0));
        long size = Stream.of("linux/amd64", "linux/arm/v7").flatMap(p -> multi.child(p).blobs().values().stream())
                .mapToLong(b -> b.length).sum();
        assertEquals("Total: 1 image, 4 layers, " + Units.size(size) + " compressed (" + size + " bytes)", lines.get(1));
        assertFalse(Files.exists(dir.resolve("layout")));
    }

    @Test
    void digestFile_pinsWhatWasExported_andRoundTripsThroughImagesFile() throws IOException {
        Path digests = dir.resolve("lock/images.lock");
        Path out = dir.resolve("first.tar");
        ExporterCli.Result first = ExporterCli.create().run(ref("list/one:v1"), ref("list/multi:v3"), "--format", "oci",
                "--digestfile", digests.toString(), "-o", out.toString());
        assertEquals(0, first.exitCode(), first.stderr());
        assertEquals(ref("list/one:v1") + "@" + oneDigest + "\n" + ref("list/multi:v3") + "@" + multiDigest + "\n",
                Files.readString(digests, StandardCharsets.UTF_8));

        // The tag moves on; the lock file still pulls what was exported.
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.OCI, "list-moved"), "list/one", "v1");
        Path again = dir.resolve("again.tar");
        Path digestsAgain = dir.resolve("again.lock");
        ExporterCli.Result second = ExporterCli.create().run("-f", digests.toString(), "--format", "oci",
                "--digestfile", digestsAgain.toString(), "-o", again.toString());

        assertEquals(0, second.exitCode(), second.stderr());
        assertEquals(Files.readString(digests), Files.readString(digestsAgain));
        JsonNode index = Json.parse(PullToDockerTest.read(again, "index.json"), "index.json");
        assertEquals(one.manifestDigest(), index.get("manifests").get(0).get("digest").asText());
        assertEquals(multi.child("linux/amd64").manifestDigest(), index.get("manifests").get(1).get("digest").asText());
        new RegistryPusher(registry).push(one, "list/one", "v1");
    }

    @Test
    void digestFile_afterAFailedExport_isNotWritten() {
        Path digests = dir.resolve("failed.lock");
        ExporterCli.Result result = ExporterCli.create().run(ref("list/one:v1"), ref("list/absent:v1"),
                "--digestfile", digests.toString(), "-o", dir.resolve("x.tar").toString());

        assertEquals(1, result.exitCode(), result.stderr());
        assertFalse(Files.exists(digests));
    }

    private static long uncompressedSize(TestImage image) {
        long size = 0;
        for (var layer : image.layers()) {
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(layer.blob()))) {
                size += in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return size;
    }
}
