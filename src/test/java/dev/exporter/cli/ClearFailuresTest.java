package dev.exporter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static dev.exporter.cli.HostileRegistryTest.assertFails;
import static dev.exporter.cli.HostileRegistryTest.listing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures whose message used to hide what went wrong, or that came late: each is one line naming the cause, as
 * early as it can be known.
 */
@ExtendWith(SharedResources.class)
class ClearFailuresTest {

    private static final String REPO = "clear/failures";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FaultProxy proxy;
    private static String ref;
    private static TestImage image;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        LocalRegistry registry = SharedRegistries.anonymous();
        image = TestImages.small(ImageFormat.OCI, "clear");
        new RegistryPusher(registry).push(image, REPO, "v1");
        proxy = FaultProxy.start(registry.baseUri());
        ref = proxy.hostPort() + "/" + REPO + ":v1";
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void reset() {
        proxy.reset();
    }

    @ParameterizedTest(name = "-o {0}")
    @ValueSource(strings = {".", "existing"})
    void pull_toAnExistingFolder_failsBeforeAnyRequest(String name) throws IOException {
        Files.createDirectory(dir.resolve("existing"));

        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(ref, "-o", name, "--quiet");

        assertFails(result, "write " + name + ": is a folder");
        assertEquals(List.of(), proxy.requests(), "nothing was asked of the registry");
    }

    @Test
    void pull_fromAnUnknownHost_failsAtOnceNamingIt() throws IOException {
        long start = System.nanoTime();

        ExporterCli.Result result = ExporterCli.create().run("no-such-host.invalid/app:1", "-o", dir.resolve("out.tar").toString());

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertFails(result, "pull manifest no-such-host.invalid/app:1: unknown host no-such-host.invalid (its name does not resolve");
        // five retries with backoff would take more than 11 s
        assertTrue(millis < 8_000, "took " + millis + " ms");
    }

    @Test
    void pull_ofALayerLargerThanTheDisk_namesTheBlobBeforeDownloading() throws IOException {
        proxy.when(FaultProxy.manifests()).respond("huge-layer", FaultProxy.rewrite(body -> {
            try {
                ObjectNode manifest = (ObjectNode) JSON.readTree(body);
                ((ObjectNode) manifest.withArray("layers").get(0)).put("size", 1_000_000_000_000_000L);
                return JSON.writeValueAsBytes(manifest);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, null));
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--format", "oci", "-o", out.toString(), "--quiet");

        assertFails(result, "write " + out + ": blob sha256:");
        assertTrue(result.error().matches(".*: blob sha256:[0-9a-f]{64} of " + ref.replace(".", "\\.")
                + " is 909\\.5 TiB, larger than the whole file system of " + dir.toString().replace(".", "\\.")
                + " \\([0-9.]+ [KMGT]iB\\)"), result.error());
        assertTrue(proxy.requests().stream().filter(r -> r.path().contains("/blobs/"))
                .allMatch(r -> r.path().endsWith(image.configDigest())), "no layer was asked for");
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void pull_intoAReadOnlyCache_saysPermissionDenied() throws Exception {
        // not root (which may write anywhere) but allowed to read everything, such as the test classpath
        Path cache = Files.createDirectory(dir.resolve("cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path outDir = Files.createDirectory(dir.resolve("out"));
        Files.setPosixFilePermissions(outDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ExporterCli cli = ExporterCli.create().wrappedIn("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search");

        ExporterCli.Result result = cli.run(ref, "-o", outDir.resolve("out.tar").toString(), "--cache", cache.toString(), "--quiet");

        assertFails(result, "create blob folder " + cache.resolve("blobs/sha256") + ": " + cache.resolve("blobs") + ": permission denied");
        assertEquals(List.of(), listing(outDir));
    }

    @Test
    void pull_intoAFolderItCannotWriteIn_namesTheFolder_notARunMarker() throws Exception {
        Path outDir = Files.createDirectory(dir.resolve("readonly-out"));
        Files.setPosixFilePermissions(outDir, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ExporterCli cli = ExporterCli.create().wrappedIn("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search");

        ExporterCli.Result result = cli.run(ref, "-o", outDir.resolve("out.tar").toString(), "--no-cache", "--quiet");

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.error().startsWith("exporter: write " + outDir.resolve("out.tar") + ": " + outDir
                + ": cannot create files in this folder"), result.error());
        assertFalse(result.error().contains(".exporter-run-"), result.error());
    }

    /** The default cache is an optimisation: where it cannot be made (a read-only home), the export goes on without. */
    @Test
    void pull_withTheDefaultCacheNotWritable_warnsOnceAndExportsWithoutIt() throws Exception {
        Path outDir = Files.createDirectory(dir.resolve("out-default-cache"));
        Files.setPosixFilePermissions(outDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path readOnly = Files.createDirectory(dir.resolve("readonly-cache-home"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        ExporterCli cli = ExporterCli.create().env("XDG_CACHE_HOME", readOnly.toString()).wrappedIn("setpriv",
                "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search");

        ExporterCli.Result result = cli.run(ref, "-o", outDir.resolve("out.tar").toString(), "--quiet");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("exporter: warning: no cache this run: " + readOnly.resolve("exporter") + ": "
                + readOnly.resolve("exporter") + ": permission denied (name one with --cache DIR)", result.error());
        assertTrue(Files.size(outDir.resolve("out.tar")) > 0);
        assertEquals(List.of("out.tar"), listing(outDir));
    }
}
