package dev.exporter.cli;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input and missing content: one clear line on stderr, the documented exit code, and no output file. */
@ExtendWith(SharedResources.class)
class PullErrorsTest {

    private static LocalRegistry registry;
    private static String host;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        registry = SharedRegistries.anonymous();
        host = registry.hostPort();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, "errors"), "errors/app", "1");
        new RegistryPusher(registry).push(TestImages.multiPlatform(ImageFormat.OCI), "errors/multi", "1");
    }

    private ExporterCli.Result run(String... args) {
        return ExporterCli.create().workDir(dir).run(args);
    }

    private void assertFailure(ExporterCli.Result result, int exitCode, String expectedLine) throws IOException {
        assertEquals(exitCode, result.exitCode(), result.stderr());
        // a usage error (exit 2) points to the help, on the same line: every failure is one line
        assertEquals(exitCode == 2 ? expectedLine + " (see 'exporter --help')" : expectedLine, result.error());
        assertFalse(result.stderr().contains("\tat "), "no stack trace without --debug: " + result.stderr());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "nothing written, nothing left behind");
        }
    }

    @Test
    void unknownTag_exit1_tagNotFound() throws IOException {
        assertFailure(run(host + "/errors/app:nope", "-o", "out.tar"), 1,
                "exporter: pull manifest " + host + "/errors/app:nope: tag not found");
    }

    /** distribution answers MANIFEST_UNKNOWN (not NAME_UNKNOWN) for a tag of a repository it does not have. */
    @Test
    void unknownRepository_exit1_tagNotFound() throws IOException {
        assertFailure(run(host + "/errors/missing:1", "-o", "out.tar"), 1,
                "exporter: pull manifest " + host + "/errors/missing:1: tag not found");
    }

    @Test
    void unknownDigest_exit1_manifestNotFound() throws IOException {
        String digest = "sha256:" + "0".repeat(64);
        assertFailure(run(host + "/errors/app@" + digest, "-o", "out.tar"), 1,
                "exporter: pull manifest " + host + "/errors/app@" + digest + ": manifest not found");
    }

    @Test
    void platformMissingFromIndex_exit1_listsAvailablePlatforms() throws IOException {
        assertFailure(run(host + "/errors/multi:1", "--platform", "linux/s390x", "-o", "out.tar"), 1,
                "exporter: pull manifest " + host + "/errors/multi:1: no image for platform linux/s390x"
                        + " (available: linux/amd64, linux/arm64/v8, linux/arm/v7)");
    }

    @Test
    void blobMissingFromRegistry_exit1_noPartialArchive() throws Exception {
        TestImage image = TestImages.small(ImageFormat.DOCKER, "missing-blob");
        new RegistryPusher(registry).push(image, "errors/missing-blob", "1");
        String layer = image.layers().get(2).digest();
        HttpResponse<Void> deleted = registry.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(registry.baseUri() + "/v2/errors/missing-blob/blobs/" + layer)).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(202, deleted.statusCode());

        assertFailure(run(host + "/errors/missing-blob:1", "-o", "out.tar", "--quiet"), 1,
                "exporter: pull blob " + layer + " of " + host + "/errors/missing-blob: blob not found");
    }

    @Test
    void unreachableRegistry_exit1_oneLine() throws IOException {
        assertFailure(run("127.0.0.1:1/x/y:1", "-o", "out.tar", "--retries", "0"), 1,
                "exporter: pull manifest 127.0.0.1:1/x/y:1: connection refused");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "Alpine|exporter: invalid reference 'Alpine': repository name must be lowercase",
            "alpine:bad tag|exporter: invalid reference 'alpine:bad tag': invalid tag 'bad tag'",
            "x@sha256:../../etc|exporter: invalid reference 'x@sha256:../../etc': invalid digest 'sha256:../../etc'",
    })
    void invalidReference_exit2_quotesInput(String image, String expected) throws IOException {
        assertFailure(run(image, "-o", "out.tar"), 2, expected);
    }

    @Test
    void invalidPlatform_exit2() throws IOException {
        assertFailure(run(host + "/errors/app:1", "--platform", "linux", "-o", "out.tar"), 2,
                "exporter: --platform: invalid platform 'linux': expected os/arch[/variant]");
    }

    @Test
    void unknownOption_exit2() throws IOException {
        assertFailure(run(host + "/errors/app:1", "--frobnicate"), 2, "exporter: Unknown option: '--frobnicate'");
    }

    @Test
    void noImage_exit2() throws IOException {
        assertFailure(run("-o", "out.tar"), 2, "exporter: missing IMAGE: name at least one image to export");
    }

    @Test
    void debug_showsTheStackTrace() {
        ExporterCli.Result result = run(host + "/errors/app:nope", "-o", "out.tar", "--debug");
        assertEquals(1, result.exitCode());
        assertTrue(result.stderr().contains("\tat dev.exporter."), result.stderr());
    }

    @Test
    void help_exit0() {
        ExporterCli.Result result = run("--help");
        assertEquals(0, result.exitCode());
        assertTrue(result.stdoutText().contains("--platform"), result.stdoutText());
    }

    @Test
    void pullByDigest_verifiesAndLoadsUntagged_andTagPlusDigestKeepsTheTag() throws IOException {
        TestImage image = TestImages.small(ImageFormat.OCI, "by-digest");
        String digest = new RegistryPusher(registry).push(image, "errors/by-digest", "1");
        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();

        ExporterCli.Result byDigest = run(host + "/errors/by-digest@" + digest, "-o", "a.tar");
        ExporterCli.Result tagged = run(host + "/errors/by-digest:v9@" + digest, "-o", "b.tar");

        assertEquals(0, byDigest.exitCode(), byDigest.stderr());
        assertEquals(0, tagged.exitCode(), tagged.stderr());
        docker.load(dir.resolve("a.tar"));
        assertEquals(image.configDigest(), docker.inspect(image.configDigest()).get("Id").asText());
        docker.load(dir.resolve("b.tar"));
        assertEquals(image.configDigest(), docker.inspect(host + "/errors/by-digest:v9").get("Id").asText());
    }
}
