package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.Layer;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a person sees on stderr during a pull, in each EXPORTER_PROGRESS mode and with --quiet. */
@ExtendWith(SharedResources.class)
class PullProgressTest {

    private static LocalRegistry registry;
    private static TestImage image;
    private static String ref;
    private static String digest;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        registry = SharedRegistries.anonymous();
        image = TestImages.small(ImageFormat.DOCKER, "progress");
        digest = new RegistryPusher(registry).push(image, "progress/app", "1");
        ref = registry.hostPort() + "/progress/app:1";
    }

    private static String shortHex(Layer layer) {
        return layer.digest().substring("sha256:".length(), "sha256:".length() + 12);
    }

    @Test
    void plain_printsALinePerLayerAndASummaryWithTheDigest() {
        Path out = dir.resolve("app.tar");

        ExporterCli.Result result = ExporterCli.create().env("EXPORTER_PROGRESS", "plain").run(ref, "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stderr().lines().toList();
        assertTrue(lines.get(0).startsWith(ref + ": " + digest + " (linux/amd64, 3 layers, "), result.stderr());
        for (Layer layer : image.layers()) {
            assertTrue(lines.stream().anyMatch(line -> line.matches(shortHex(layer) + ": (Done .* in .* s|Cached .*)")),
                    "a line for layer " + layer.digest() + " in:\n" + result.stderr());
        }
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("Wrote " + java.util.regex.Pattern.quote(out.toString() + ": " + ref + " " + digest)
                + " \\([0-9.]+ KiB.*\\) in [0-9.]+ s"), last);
        assertFalse(result.stderr().contains("\033"), "no escape sequences when plain");
    }

    @Test
    void tty_drawsFramesAndEndsWithEverythingDoneThenTheSummary() {
        ExporterCli.Result result = ExporterCli.create().env("EXPORTER_PROGRESS", "tty")
                .run(ref, "-o", dir.resolve("app.tar").toString());

        assertEquals(0, result.exitCode(), result.stderr());
        String stderr = result.stderr();
        assertTrue(stderr.contains("\033[K\n"), stderr);
        String beforeSummary = stderr.substring(0, stderr.lastIndexOf("Wrote "));
        assertTrue(beforeSummary.matches("(?s).*\rTotal: ([0-9.]+ KiB) / \\1 \\(100%\\)\033\\[K\n\033\\[J$"),
                "the last frame shows the whole total: " + stderr);
        for (Layer layer : image.layers()) {
            assertTrue(beforeSummary.contains("\r" + shortHex(layer) + ": Done ")
                    || beforeSummary.contains("\r" + shortHex(layer) + ": Cached "), stderr);
        }
    }

    @Test
    void none_printsOnlyTheSummary() {
        ExporterCli.Result result = ExporterCli.create().env("EXPORTER_PROGRESS", "none")
                .run(ref, "-o", dir.resolve("app.tar").toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().startsWith("Wrote "), result.stderr());
    }

    @Test
    void quiet_printsNothing() {
        ExporterCli.Result result = ExporterCli.create().env("EXPORTER_PROGRESS", "tty")
                .run(ref, "-o", dir.resolve("app.tar").toString(), "--quiet");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("", result.stderr());
    }

    /** A redraw after the error would move the cursor up and paint the frame over it. */
    @Test
    void tty_failingDownload_errorIsTheLastThingPrinted() throws Exception {
        TestImage broken = TestImages.small(ImageFormat.DOCKER, "progress-missing-blob");
        new RegistryPusher(registry).push(broken, "progress/missing-blob", "1");
        String layer = broken.layers().get(2).digest();
        HttpResponse<Void> deleted = registry.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(registry.baseUri() + "/v2/progress/missing-blob/blobs/" + layer)).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(202, deleted.statusCode());
        String brokenRef = registry.hostPort() + "/progress/missing-blob:1";

        ExporterCli.Result result = ExporterCli.create().env("EXPORTER_PROGRESS", "tty")
                .run(brokenRef, "-o", dir.resolve("app.tar").toString());

        assertEquals(1, result.exitCode(), result.stderr());
        String error = "exporter: pull blob " + layer + " of " + registry.hostPort() + "/progress/missing-blob: blob not found\n";
        assertTrue(result.stderr().endsWith(error), result.stderr());
    }
}
