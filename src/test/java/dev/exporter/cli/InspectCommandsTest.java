package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.exporter.image.Json;
import dev.exporter.reference.Platform;
import dev.exporter.testing.Compression;
import dev.exporter.testing.Digests;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageBuilder;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.Layer;
import dev.exporter.testing.LayerSpec;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code manifest}, {@code config}, {@code blob} and {@code inspect} against the real registry and its fixtures. */
@ExtendWith(SharedResources.class)
class InspectCommandsTest {

    private static final TestImage SINGLE = TestImages.small(ImageFormat.DOCKER, "inspect");
    private static final TestIndex INDEX = TestImages.multiPlatform(ImageFormat.OCI);

    private static LocalRegistry registry;
    private static String single;
    private static String index;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        registry = SharedRegistries.anonymous();
        RegistryPusher pusher = new RegistryPusher(registry);
        pusher.push(SINGLE, "inspect/single", "v1");
        pusher.push(INDEX, "inspect/multi", "v1");
        single = registry.hostPort() + "/inspect/single:v1";
        index = registry.hostPort() + "/inspect/multi:v1";
    }

    @Test
    void manifest_byTag_printsTheBytesAsServedWhichHashToTheDigest() {
        ExporterCli.Result result = ExporterCli.create().run("manifest", single);

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(SINGLE.manifestBytes(), result.stdout(), "bytes exactly as pushed, no newline added");
        assertEquals(SINGLE.manifestDigest(), Digests.sha256(result.stdout()));
        assertEquals("", result.stderr());
    }

    @Test
    void manifest_ofIndex_printsTheIndex() {
        ExporterCli.Result result = ExporterCli.create().run("manifest", index);

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(INDEX.manifestBytes(), result.stdout());
    }

    @Test
    void manifest_ofIndexWithPlatform_printsThatPlatformsManifest() {
        ExporterCli.Result result = ExporterCli.create().run("manifest", index, "--platform", "linux/arm64");

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(INDEX.child("linux/arm64/v8").manifestBytes(), result.stdout());
    }

    @Test
    void manifest_withDigest_printsOnlyTheDigest() {
        assertEquals(INDEX.manifestDigest() + "\n",
                ExporterCli.create().run("manifest", "--digest", index).stdoutText());
        assertEquals(INDEX.child("linux/arm/v7").manifestDigest() + "\n",
                ExporterCli.create().run("manifest", "--digest", "--platform", "linux/arm/v7", index).stdoutText());
    }

    @Test
    void manifest_byDigest_printsTheSameBytes() {
        String byDigest = registry.hostPort() + "/inspect/multi@" + INDEX.child("linux/amd64").manifestDigest();

        ExporterCli.Result result = ExporterCli.create().run("manifest", byDigest);

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(INDEX.child("linux/amd64").manifestBytes(), result.stdout());
    }

    @Test
    void manifest_ofUnknownTag_failsWithExit1AndOneLine() {
        String ref = registry.hostPort() + "/inspect/single:nope";

        ExporterCli.Result result = ExporterCli.create().run("manifest", ref);

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: pull manifest " + ref + ": tag not found", result.error());
        assertEquals(0, result.stdout().length);
    }

    @Test
    void manifest_ofUnknownRepository_failsWithExit1AndOneLine() {
        String ref = registry.hostPort() + "/inspect/no-such-repo:v1";

        ExporterCli.Result result = ExporterCli.create().run("manifest", ref);

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(1, result.error().lines().count(), result.stderr());
        // distribution 2.8 answers MANIFEST_UNKNOWN here, not NAME_UNKNOWN, so the client cannot tell which is missing
        assertTrue(result.error().startsWith("exporter: pull manifest " + ref + ": ")
                && result.error().endsWith(" not found"), result.stderr());
    }

    @Test
    void manifest_withPlatformTheIndexLacks_failsNamingThoseItHas() {
        ExporterCli.Result result = ExporterCli.create().run("manifest", index, "--platform", "linux/s390x");

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().endsWith("no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8, linux/arm/v7)"),
                result.stderr());
    }

    @Test
    void manifest_withBadPlatform_isAUsageError() {
        assertEquals(2, ExporterCli.create().run("manifest", index, "--platform", "linux").exitCode());
    }

    @Test
    void config_printsTheConfigBytesAsServed() {
        ExporterCli.Result result = ExporterCli.create().run("config", single);

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(SINGLE.configBytes(), result.stdout());
    }

    @Test
    void config_ofIndexWithPlatform_printsThatPlatformsConfig() {
        TestImage armV7 = INDEX.child("linux/arm/v7");

        ExporterCli.Result result = ExporterCli.create().run("config", "--platform", "linux/arm/v7", index);

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(armV7.configBytes(), result.stdout());
        assertEquals(armV7.configDigest(), Digests.sha256(result.stdout()));
    }

    @Test
    void blob_toFile_writesTheVerifiedBlobAndNothingElse() throws IOException {
        Layer layer = SINGLE.layers().get(2);
        Path out = dir.resolve("sub/layer.tar.gz");

        ExporterCli.Result result = ExporterCli.create().run("blob", single, layer.digest(), "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(layer.blob(), Files.readAllBytes(out));
        assertEquals(List.of(out), files(dir), "no temporary files left");
        assertEquals(0, result.stdout().length);
    }

    @Test
    void blob_toStdout_streamsTheBlob() {
        Layer layer = SINGLE.layers().get(0);

        ExporterCli.Result result = ExporterCli.create().run("blob", registry.hostPort() + "/inspect/single", layer.digest());

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(layer.blob(), result.stdout());
    }

    @Test
    void blob_config_isABlobToo() {
        ExporterCli.Result result = ExporterCli.create().run("blob", single, SINGLE.configDigest(), "-o", "-");

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(SINGLE.configBytes(), result.stdout());
    }

    @Test
    void blob_withUnknownDigest_failsWithExit1OneLineAndNoFile() throws IOException {
        String unknown = Digests.sha256("not in the registry".getBytes());
        String repo = registry.hostPort() + "/inspect/single";
        Path out = dir.resolve("blob.bin");

        ExporterCli.Result result = ExporterCli.create().run("blob", repo, unknown, "-o", out.toString());

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: pull blob " + unknown + " of " + repo + ": blob not found", result.error());
        assertEquals(List.of(), files(dir), "no file, not even a temporary one");
    }

    @Test
    void blob_whoseStoredBytesWereTampered_failsWithDigestMismatchAndNoFile() throws IOException {
        TestImage image = TestImages.small(ImageFormat.OCI, "tampered");
        new RegistryPusher(registry).push(image, "inspect/tampered", "v1");
        Layer layer = image.layers().get(2);
        String hex = layer.digest().substring("sha256:".length());
        Path data = registry.storageRoot().resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 1;
        Files.write(data, bytes);
        Path out = dir.resolve("tampered.bin");

        ExporterCli.Result result = ExporterCli.create().run("blob", registry.hostPort() + "/inspect/tampered",
                layer.digest(), "-o", out.toString());

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().contains("digest mismatch"), result.stderr());
        assertEquals(List.of(), files(dir));
    }

    @Test
    void blob_withInvalidDigest_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("blob", single, "sha256:abc");

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("exporter: DIGEST: invalid digest 'sha256:abc'"), result.stderr());
    }

    @Test
    void inspectJson_ofSingleImage_describesManifestConfigAndLayers() {
        ExporterCli.Result result = ExporterCli.create().run("inspect", "--json", single);

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode summary = Json.parse(result.stdout(), "inspect output");
        assertEquals(single, summary.get("reference").asText());
        assertEquals(SINGLE.manifestDigest(), summary.get("digest").asText());
        assertEquals(SINGLE.mediaType(), summary.get("mediaType").asText());
        assertTrue(summary.get("platforms").isNull());
        assertImage(SINGLE, summary.get("image"));
    }

    @Test
    void inspectJson_ofIndex_listsPlatformsAndDescribesTheChosenOne() {
        TestImage arm64 = INDEX.child("linux/arm64/v8");

        ExporterCli.Result result = ExporterCli.create().run("inspect", "--json", "--platform", "linux/arm64", index);

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode summary = Json.parse(result.stdout(), "inspect output");
        assertEquals(INDEX.manifestDigest(), summary.get("digest").asText());
        assertEquals(INDEX.mediaType(), summary.get("mediaType").asText());
        List<String> platforms = new ArrayList<>();
        for (int i = 0; i < INDEX.children().size(); i++) {
            TestImage child = INDEX.children().get(i);
            JsonNode entry = summary.get("platforms").get(i);
            platforms.add(entry.get("platform").asText());
            assertEquals(child.manifestDigest(), entry.get("digest").asText());
            assertEquals(child.manifestBytes().length, entry.get("size").asLong());
            assertEquals(child.mediaType(), entry.get("mediaType").asText());
        }
        assertEquals(List.of("linux/amd64", "linux/arm64/v8", "linux/arm/v7"), platforms);
        assertEquals(3, summary.get("platforms").size());
        assertImage(arm64, summary.get("image"));
        assertEquals("arm64", summary.get("image").get("architecture").asText());
    }

    @Test
    void inspect_text_showsDigestsLayersAndTotal() {
        ExporterCli.Result result = ExporterCli.create().run("inspect", single);

        assertEquals(0, result.exitCode(), result.stderr());
        String text = result.stdoutText();
        assertTrue(text.contains("Digest:        " + SINGLE.manifestDigest() + "\n"), text);
        assertTrue(text.contains("Config:        " + SINGLE.configDigest() + "\n"), text);
        assertTrue(text.contains("Cmd:           [\"/bin/hello\"]\n"), text);
        assertTrue(text.contains("Layers (3):\n"), text);
        for (Layer layer : SINGLE.layers()) {
            assertTrue(text.contains("  " + layer.digest() + "  "), text);
        }
        long total = SINGLE.layers().stream().mapToLong(Layer::size).sum();
        assertTrue(text.contains("(" + total + " bytes)"), text);
    }

    @Test
    void inspect_text_ofIndex_listsEveryPlatform() {
        ExporterCli.Result result = ExporterCli.create().run("inspect", "--platform", "linux/arm/v7", index);

        assertEquals(0, result.exitCode(), result.stderr());
        for (TestImage child : INDEX.children()) {
            assertTrue(result.stdoutText().contains(child.platform() + " ") && result.stdoutText().contains(child.manifestDigest()),
                    result.stdoutText());
        }
        assertTrue(result.stdoutText().contains("Platform:      linux/arm/v7\n"), result.stdoutText());
    }

    @Test
    void inspect_ofIndexWithoutTheHostPlatform_summarizesTheIndexAndSaysHowToChoose() {
        String host = Platform.host().toString();
        TestImage other = INDEX.children().stream().filter(c -> !c.platform().toString().startsWith(host)).findFirst().orElseThrow();
        TestIndex foreign = TestIndex.of(ImageFormat.OCI, List.of(other));
        new RegistryPusher(registry).push(foreign, "inspect/foreign", "v1");
        String ref = registry.hostPort() + "/inspect/foreign:v1";

        ExporterCli.Result json = ExporterCli.create().run("inspect", "--json", ref);
        ExporterCli.Result text = ExporterCli.create().run("inspect", ref);

        assertEquals(0, json.exitCode(), json.stderr());
        JsonNode summary = Json.parse(json.stdout(), "inspect output");
        assertEquals(other.platform().toString(), summary.get("platforms").get(0).get("platform").asText());
        assertTrue(summary.get("image").isNull());
        assertEquals(0, text.exitCode(), text.stderr());
        assertTrue(text.stdoutText().contains("No image for the host platform " + host + "; choose one of the above with --platform."),
                text.stdoutText());
    }

    @Test
    void inspect_text_withControlCharactersInTheConfig_printsThemAsSpaces() {
        String hostile = "\u001b[31mred\u0007bell\rreturn";
        TestImage image = ImageBuilder.of(ImageFormat.OCI)
                .layer(LayerSpec.empty().file("hostile.txt", "hostile\n"), Compression.GZIP)
                .entrypoint(hostile)
                .configure(config -> config.put("created", hostile).put("os", "linux" + hostile))
                .build();
        new RegistryPusher(registry).push(image, "inspect/hostile", "v1");

        ExporterCli.Result result = ExporterCli.create().run("inspect", registry.hostPort() + "/inspect/hostile:v1");

        assertEquals(0, result.exitCode(), result.stderr());
        String text = result.stdoutText();
        assertTrue(text.contains("Created:        [31mred bell return\n"), text);
        assertTrue(text.contains("Platform:      linux [31mred bell return/"), text);
        assertFalse(text.chars().anyMatch(c -> c != '\n' && Character.isISOControl(c)), text);
    }

    @Test
    void inspect_ofUnknownTag_failsWithExit1AndOneLine() {
        String ref = registry.hostPort() + "/inspect/multi:nope";

        ExporterCli.Result result = ExporterCli.create().run("inspect", "--json", ref);

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: pull manifest " + ref + ": tag not found", result.error());
        assertEquals(0, result.stdout().length);
    }

    private static void assertImage(TestImage expected, JsonNode image) {
        assertEquals(expected.manifestDigest(), image.get("digest").asText());
        assertEquals(expected.mediaType(), image.get("mediaType").asText());
        assertEquals(expected.platform().toString(), image.get("platform").asText());
        assertEquals(expected.configDigest(), image.get("config").get("digest").asText());
        assertEquals(expected.configBytes().length, image.get("config").get("size").asLong());
        assertEquals(expected.config().get("created").asText(), image.get("created").asText());
        assertEquals(expected.config().path("config").path("Cmd"), image.get("cmd").isNull() ? MissingNode.getInstance() : image.get("cmd"));
        JsonNode layers = image.get("layers");
        assertEquals(expected.layers().size(), layers.size());
        assertEquals(expected.layers().size(), image.get("layerCount").asInt());
        long total = 0;
        for (int i = 0; i < expected.layers().size(); i++) {
            Layer layer = expected.layers().get(i);
            assertEquals(layer.digest(), layers.get(i).get("digest").asText());
            assertEquals(layer.size(), layers.get(i).get("size").asLong());
            assertEquals(layer.mediaType(), layers.get(i).get("mediaType").asText());
            total += layer.size();
        }
        assertEquals(total, image.get("totalLayerSize").asLong());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
