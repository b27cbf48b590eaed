package dev.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.ReferrersRegistry;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestReferrer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a sink will want once the manifest is known goes out beside the config's request, not after it: the
 * in-process registry answers the config only once the awaited request has come (or after 3 s, which fails the
 * test), so an export that waited for its config first would be caught.
 */
class AheadOfConfigTest {

    private static final String REPO = "team/app";
    private ReferrersRegistry registry;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void oci_probesForReferrersWhileTheConfigIsOnItsWay() throws IOException {
        TestImage image = TestImages.small(ImageFormat.OCI, "ahead-referrers");
        registry = ReferrersRegistry.start(REPO, 10, true);
        registry.image(image, "v1");
        TestReferrer sbom = TestReferrer.sbom(image.mediaType(), image.manifestBytes(), "ahead-sbom");
        registry.referrer(image.manifestDigest(), sbom);
        registry.hold(image.configDigest(), "GET /v2/" + REPO + "/referrers/" + image.manifestDigest());
        Path layout = dir.resolve("layout");

        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/" + REPO + ":v1",
                "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(), registry.heldTooLong(), "the referrers request waited for the config: "
                + registry.requests());
        assertTrue(Files.readString(layout.resolve("index.json")).contains(sbom.digest()), "the referrer is kept");
    }

    @Test
    void docker_readsLargeLayersTrailersWhileTheConfigIsOnItsWay() throws IOException {
        TestImage image = TestImages.small(ImageFormat.DOCKER, "ahead-trailers", 2 * 1024 * 1024);
        JsonNode layers = Json.parse(image.manifestBytes(), "manifest").get("layers");
        String large = layers.get(2).get("digest").asText();
        assertTrue(layers.get(2).get("size").asLong() > 1024 * 1024, "the third layer is past the whole-fetch size");
        registry = ReferrersRegistry.start(REPO, 10, true);
        registry.image(image, "v1");
        registry.hold(image.configDigest(), "GET /v2/" + REPO + "/blobs/" + large);
        Path archive = dir.resolve("app.tar");

        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/" + REPO + ":v1",
                "--no-cache", "-o", archive.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(), registry.heldTooLong(), "the trailer read waited for the config: " + registry.requests());
        assertTrue(Files.size(archive) > 2 * 1024 * 1024);
    }

    @Test
    void dockerDryRun_readsTrailersWhileTheConfigIsOnItsWay() {
        TestImage image = TestImages.small(ImageFormat.DOCKER, "ahead-dry-run");
        String first = Json.parse(image.manifestBytes(), "manifest").get("layers").get(0).get("digest").asText();
        registry = ReferrersRegistry.start(REPO, 10, true);
        registry.image(image, "v1");
        registry.hold(image.configDigest(), "GET /v2/" + REPO + "/blobs/" + first);

        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/" + REPO + ":v1", "--dry-run");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(), registry.heldTooLong(), "the trailer read waited for the config: " + registry.requests());
    }
}
