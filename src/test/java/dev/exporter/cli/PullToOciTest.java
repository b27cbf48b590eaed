package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.Dockerd;
import dev.exporter.testing.Exec;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestIndex;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OCI layout outputs: checked with independent tools (skopeo, umoci, oci-image-tool) and with docker load, and
 * compared with the registry's own digests.
 */
@ExtendWith(SharedResources.class)
class PullToOciTest {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static LocalRegistry registry;
    private static RegistryPusher pusher;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        ExternalTools.require("skopeo");
        ExternalTools.require("oci-image-tool");
        ExternalTools.require("umoci");
        registry = SharedRegistries.anonymous();
        pusher = new RegistryPusher(registry);
    }

    private static Exec.Result tool(String... command) {
        return Exec.run(TOOL_TIMEOUT, command).check();
    }

    private static JsonNode json(String text) {
        return Json.parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), "tool output");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ImageFormat.class)
    void ociArchive_singlePlatform_keepsRegistryDigest_validates_andLoadsInDocker(ImageFormat format) throws IOException {
        TestImage image = TestImages.small(format, "oci-single");
        String repo = "oci/single-" + format.name().toLowerCase(java.util.Locale.ROOT);
        String digest = pusher.push(image, repo, "v1");
        String ref = registry.hostPort() + "/" + repo + ":v1";
        Path out = dir.resolve("single.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--format", "oci", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        // skopeo 1.9 looks names up only for OCI-typed manifests; any sole image is found without a name
        JsonNode inspect = json(tool("skopeo", "inspect", "oci-archive:" + out).stdout());
        assertEquals(digest, inspect.get("Digest").asText(), "manifest digest preserved");
        assertEquals(image.diffIds().size(), inspect.get("Layers").size());
        String raw = tool("skopeo", "inspect", "--raw", "oci-archive:" + out).stdout();
        assertEquals(new String(image.manifestBytes(), java.nio.charset.StandardCharsets.UTF_8), raw, "manifest bytes as served");
        validateLayout(out, ref, format);
        Path converted = dir.resolve("converted.tar");
        tool("skopeo", "copy", "oci-archive:" + out, "docker-archive:" + converted + ":converted/single:v1");

        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();
        docker.load(out);
        JsonNode loaded = docker.inspect(ref);
        assertEquals(image.configDigest(), loaded.get("Id").asText());
        assertEquals(image.diffIds(), PullToDockerTest.texts(loaded.get("RootFS").get("Layers")));
        docker.load(converted);
        assertEquals(image.configDigest(), docker.inspect("converted/single:v1").get("Id").asText());
    }

    @Test
    void ociArchive_allPlatforms_keepsTheIndexAndEveryPlatform() throws IOException {
        TestIndex index = TestImages.multiPlatform(ImageFormat.OCI);
        String digest = pusher.push(index, "oci/multi", "v1");
        String ref = registry.hostPort() + "/oci/multi:v1";
        Path out = dir.resolve("multi.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--format", "oci", "--all-platforms", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode layoutIndex = Json.parse(PullToDockerTest.read(out, "index.json"), "index.json");
        JsonNode entry = layoutIndex.get("manifests").get(0);
        assertEquals(digest, entry.get("digest").asText(), "index digest equals the tag's digest");
        assertEquals(ref, entry.get("annotations").get("io.containerd.image.name").asText());
        assertEquals(ref, entry.get("annotations").get("org.opencontainers.image.ref.name").asText());
        Set<String> names = entryNames(out);
        for (TestImage child : index.children()) {
            assertTrue(names.contains("blobs/sha256/" + child.manifestDigest().substring(7)), child.platform().toString());
            child.blobs().keySet().forEach(blob -> assertTrue(names.contains("blobs/sha256/" + blob.substring(7)), blob));
        }
        String raw = tool("skopeo", "inspect", "--raw", "oci-archive:" + out + ":" + ref).stdout();
        assertEquals(new String(index.manifestBytes(), java.nio.charset.StandardCharsets.UTF_8), raw, "index bytes as served");
        validateLayout(out, ref, ImageFormat.OCI);

        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();
        docker.load(out);
        assertEquals(index.child("linux/amd64").configDigest(), docker.inspect(ref).get("Id").asText(),
                "manifest.json offers the host platform");
    }

    /**
     * Into a file, blobs are downloaded straight into holes reserved for them, with and without a cache; both must be
     * byte-identical to the archive streamed to stdout (written front to back from stored blobs).
     */
    @Test
    void ociArchive_toFile_writesBlobsInPlace_identicalToStreamedArchive() throws IOException {
        TestIndex index = TestImages.multiPlatform(ImageFormat.OCI);
        pusher.push(index, "oci/in-place", "v1");
        String ref = registry.hostPort() + "/oci/in-place:v1";
        Path direct = dir.resolve("direct.tar");
        Path viaCache = dir.resolve("via-cache.tar");

        ExporterCli.Result streamed = ExporterCli.create().run(ref, "--format", "oci", "--all-platforms", "-q", "--no-cache", "-o", "-");
        ExporterCli.Result noCache = ExporterCli.create().run(ref, "--format", "oci", "--all-platforms", "-q", "--no-cache", "-o", direct.toString());
        ExporterCli.Result cached = ExporterCli.create().run(ref, "--format", "oci", "--all-platforms", "-q",
                "--cache", dir.resolve("cache").toString(), "-o", viaCache.toString());

        assertEquals(0, streamed.exitCode(), streamed.stderr());
        assertEquals(0, noCache.exitCode(), noCache.stderr());
        assertEquals(0, cached.exitCode(), cached.stderr());
        assertArrayEquals(streamed.stdout(), Files.readAllBytes(direct), "downloaded in place");
        assertArrayEquals(streamed.stdout(), Files.readAllBytes(viaCache), "copied in place from the cache");
        validateLayout(direct, ref, ImageFormat.OCI);
    }

    @Test
    void ociArchive_platformSubset_keepsOnlyThosePlatforms() throws IOException {
        TestIndex index = TestImages.multiPlatform(ImageFormat.DOCKER);
        pusher.push(index, "oci/subset", "v1");
        String ref = registry.hostPort() + "/oci/subset:v1";
        Path out = dir.resolve("subset.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--format", "oci", "--platform", "linux/arm64",
                "--platform", "linux/amd64", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        String raw = tool("skopeo", "inspect", "--raw", "oci-archive:" + out).stdout();
        JsonNode subset = json(raw);
        List<String> kept = new ArrayList<>();
        subset.get("manifests").forEach(m -> kept.add(m.get("digest").asText()));
        assertEquals(List.of(index.child("linux/amd64").manifestDigest(), index.child("linux/arm64/v8").manifestDigest()), kept);
        assertTrue(!entryNames(out).contains("blobs/sha256/" + index.child("linux/arm/v7").manifestDigest().substring(7)));
        validateLayout(out, ref, ImageFormat.DOCKER);
    }

    @Test
    void ociArchive_withZstdLayers_keepsThemCompressedAsServed() throws IOException {
        TestImage image = TestImages.zstd();
        String digest = pusher.push(image, "oci/zstd", "v1");
        Path out = dir.resolve("zstd.tar");

        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/oci/zstd:v1", "--format", "oci",
                "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(digest, json(tool("skopeo", "inspect", "oci-archive:" + out + ":" + registry.hostPort() + "/oci/zstd:v1").stdout()).get("Digest").asText());
        for (var layer : image.layers()) {
            byte[] stored = PullToDockerTest.read(out, "blobs/sha256/" + layer.digest().substring(7));
            assertEquals(layer.blob().length, stored.length);
        }
        // oci-image-tool (image-spec 1.0.1) predates the zstd media type; umoci reads the layout
        Path layout = Files.createTempDirectory(dir, "layout");
        tool("tar", "-xf", out.toString(), "-C", layout.toString());
        assertTrue(tool("umoci", "ls", "--layout", layout.toString()).stdout().lines().toList().contains(registry.hostPort() + "/oci/zstd:v1"));
    }

    @Test
    void zstdLayers_inAnOciFormat_getOneWarningLine_butNotWithDockerOrQuiet() {
        pusher.push(TestImages.zstd(), "oci/zstd-warning", "v1");
        String ref = registry.hostPort() + "/oci/zstd-warning:v1";
        String warning = "warning: " + ref + " has zstd-compressed layers, which docker before 23 cannot load;"
                + " --format docker decompresses them";

        for (String format : List.of("oci", "oci-dir")) {
            ExporterCli.Result result = ExporterCli.create().run(ref, "--format", format, "-o", dir.resolve(format).toString());
            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(List.of(warning), result.stderr().lines().filter(l -> l.startsWith("warning:")).toList(), result.stderr());
        }
        ExporterCli.Result docker = ExporterCli.create().run(ref, "-o", dir.resolve("docker.tar").toString());
        assertEquals(0, docker.exitCode(), docker.stderr());
        assertTrue(docker.stderr().lines().noneMatch(l -> l.startsWith("warning:")), docker.stderr());
        ExporterCli.Result quiet = ExporterCli.create().run(ref, "--format", "oci", "--quiet", "-o", dir.resolve("q.tar").toString());
        assertEquals(0, quiet.exitCode(), quiet.stderr());
        assertEquals("", quiet.stderr());
    }

    @Test
    void ociDir_growsIncrementally_withoutDownloadingWhatItHas() throws Exception {
        TestImage first = TestImages.small(ImageFormat.OCI, "dir-first");
        TestImage second = dev.exporter.testing.ImageBuilder.of(ImageFormat.OCI)
                .layer(first.layers().get(0)).layer(first.layers().get(1))
                .layer(dev.exporter.testing.LayerSpec.empty().file("second.txt", "second"), dev.exporter.testing.Compression.GZIP)
                .build();
        String firstDigest = pusher.push(first, "oci/dir-a", "1");
        String secondDigest = pusher.push(second, "oci/dir-b", "2");
        // The shared layers are no longer downloadable for dir-b: only the local copy can supply them.
        for (int i = 0; i < 2; i++) {
            HttpResponse<Void> deleted = registry.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    registry.baseUri() + "/v2/oci/dir-b/blobs/" + second.layers().get(i).digest())).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(202, deleted.statusCode());
        }
        Path layout = dir.resolve("store");

        ExporterCli.Result a = ExporterCli.create().run(registry.hostPort() + "/oci/dir-a:1", "--format", "oci-dir", "-o", layout.toString());
        ExporterCli.Result b = ExporterCli.create().run(registry.hostPort() + "/oci/dir-b:2", "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, a.exitCode(), a.stderr());
        assertEquals(0, b.exitCode(), b.stderr());
        assertEquals(firstDigest, json(tool("skopeo", "inspect", "oci:" + layout + ":" + registry.hostPort() + "/oci/dir-a:1").stdout()).get("Digest").asText());
        assertEquals(secondDigest, json(tool("skopeo", "inspect", "oci:" + layout + ":" + registry.hostPort() + "/oci/dir-b:2").stdout()).get("Digest").asText());
        JsonNode dockerManifest = Json.parse(Files.readAllBytes(layout.resolve("manifest.json")), "manifest.json");
        assertEquals(2, dockerManifest.size());
        tool("oci-image-tool", "validate", "--type", "image", "--ref", "name=" + registry.hostPort() + "/oci/dir-a:1", layout.toString());
        try (var files = Files.list(layout.resolve("blobs/sha256"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".")), "no partial or temporary blobs");
        }
    }

    /**
     * Every file of the folder is rw-r--r-- and every folder rwxr-xr-x (under the usual umask 022), manifests included
     * (stored through temporary files, which Java creates owner-only), also after a second export rewrote index.json.
     */
    @Test
    void ociDir_writesFiles0644AndFolders0755() throws IOException {
        TestIndex index = TestImages.multiPlatform(ImageFormat.OCI);
        pusher.push(index, "oci/dir-modes", "v1");
        pusher.push(TestImages.small(ImageFormat.OCI, "dir-modes"), "oci/dir-modes", "v2");
        Path layout = dir.resolve("modes");
        for (String tag : List.of("v1", "v2")) {
            ExporterCli.Result result = ExporterCli.create().wrappedIn("sh", "-c", "umask 022 && exec \"$@\"", "sh")
                    .run(registry.hostPort() + "/oci/dir-modes:" + tag, "--format", "oci-dir", "--all-platforms", "-q",
                            "-o", layout.toString());
            assertEquals(0, result.exitCode(), result.stderr());
        }
        List<Path> all;
        try (var walk = Files.walk(layout)) {
            all = walk.toList();
        }
        assertTrue(all.contains(layout.resolve("oci-layout")) && all.contains(layout.resolve("index.json"))
                && all.contains(layout.resolve("manifest.json")), all.toString());
        assertTrue(all.contains(layout.resolve("blobs/sha256/" + index.manifestDigest().substring(7))), "the index blob");
        for (Path path : all) {
            String expected = Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--";
            assertEquals(expected, java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path)),
                    layout.relativize(path).toString());
        }
    }

    @Test
    void ociDir_replacesACorruptedBlob() throws IOException {
        TestImage image = TestImages.small(ImageFormat.OCI, "dir-corrupt");
        pusher.push(image, "oci/dir-corrupt", "1");
        Path layout = dir.resolve("store");
        String ref = registry.hostPort() + "/oci/dir-corrupt:1";
        assertEquals(0, ExporterCli.create().run(ref, "--format", "oci-dir", "-o", layout.toString()).exitCode());
        Path blob = layout.resolve("blobs/sha256/" + image.layers().get(2).digest().substring(7));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[100] ^= 1;
        Files.write(blob, bytes);

        ExporterCli.Result again = ExporterCli.create().run(ref, "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(dev.exporter.testing.Digests.sha256(Files.readAllBytes(blob)), image.layers().get(2).digest());
    }

    @Test
    void allPlatformsWithDockerFormat_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/oci/multi:v1", "--all-platforms");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().startsWith("exporter: --all-platforms needs --format oci or oci-dir"), result.stderr());
    }

    @Test
    void ociDirToStdout_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("x:1", "--format", "oci-dir", "-o", "-");
        assertEquals(2, result.exitCode());
    }

    @Test
    void unknownFormat_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("x:1", "--format", "zip");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().contains("expected docker, oci or oci-dir but got 'zip'"), result.stderr());
    }

    /**
     * Unpacks the archive and checks it with umoci, and for OCI-typed images also with oci-image-tool, which
     * rejects the Docker media types a registry may serve (kept verbatim to preserve digests).
     */
    private void validateLayout(Path archive, String refName, ImageFormat format) throws IOException {
        Path layout = Files.createTempDirectory(dir, "layout");
        tool("tar", "-xf", archive.toString(), "-C", layout.toString());
        if (format == ImageFormat.OCI) {
            tool("oci-image-tool", "validate", "--type", "image", "--ref", "name=" + refName, layout.toString());
        }
        assertTrue(tool("umoci", "ls", "--layout", layout.toString()).stdout().lines().toList().contains(refName));
    }

    private static Set<String> entryNames(Path tar) throws IOException {
        Set<String> names = new HashSet<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
