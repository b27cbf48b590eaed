package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blob cache: a second export needs only what is missing, and bad cached bytes are never used. */
@ExtendWith(SharedResources.class)
class PullCacheTest {

    @TempDir
    Path dir;

    private static void deleteFromRegistry(LocalRegistry registry, String repo, String digest) throws Exception {
        HttpResponse<Void> deleted = registry.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                registry.baseUri() + "/v2/" + repo + "/blobs/" + digest)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(202, deleted.statusCode());
    }

    private static Path cached(Path cache, String digest) {
        return cache.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
    }

    @Test
    void secondExport_usesTheCache_forBlobsTheRegistryNoLongerServes() throws Exception {
        LocalRegistry registry = SharedRegistries.anonymous();
        TestImage image = TestImages.small(ImageFormat.DOCKER, "cache-reuse");
        new RegistryPusher(registry).push(image, "cache/reuse", "1");
        String ref = registry.hostPort() + "/cache/reuse:1";
        Path cache = dir.resolve("cache");

        ExporterCli.Result first = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("a.tar").toString());
        for (var layer : image.layers()) {
            deleteFromRegistry(registry, "cache/reuse", layer.digest());
        }
        ExporterCli.Result second = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("b.tar").toString());

        assertEquals(0, first.exitCode(), first.stderr());
        assertEquals(0, second.exitCode(), second.stderr());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.tar")), Files.readAllBytes(dir.resolve("b.tar")));
        try (var files = Files.list(cache.resolve("blobs/sha256"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".")), "no partial files in the cache");
        }
    }

    @Test
    void corruptedCacheEntry_isDownloadedAgain_andNeverServed() throws Exception {
        LocalRegistry registry = SharedRegistries.anonymous();
        TestImage image = TestImages.small(ImageFormat.OCI, "cache-corrupt");
        new RegistryPusher(registry).push(image, "cache/corrupt", "1");
        String ref = registry.hostPort() + "/cache/corrupt:1";
        Path cache = dir.resolve("cache");
        assertEquals(0, ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("a.tar").toString()).exitCode());
        String layer = image.layers().get(2).digest();
        byte[] bytes = Files.readAllBytes(cached(cache, layer));
        bytes[10] ^= 1;
        Files.write(cached(cache, layer), bytes);

        ExporterCli.Result repaired = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("b.tar").toString());

        assertEquals(0, repaired.exitCode(), repaired.stderr());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.tar")), Files.readAllBytes(dir.resolve("b.tar")));
        assertArrayEquals(image.layers().get(2).blob(), Files.readAllBytes(cached(cache, layer)), "cache repaired");

        // Corrupt again, and make the registry unable to supply a good copy: the export must fail, not use the bad one.
        Files.write(cached(cache, layer), bytes);
        deleteFromRegistry(registry, "cache/corrupt", layer);
        ExporterCli.Result refused = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("c.tar").toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.error().contains("blob not found"), refused.error());
        assertTrue(!Files.exists(dir.resolve("c.tar")));
    }

    /** Blob requests (layers, configs, trailer reads) a run through {@code proxy} made. */
    private static long blobRequests(FaultProxy proxy) {
        return proxy.requests().stream().filter(r -> r.path().contains("/blobs/")).count();
    }

    @Test
    void secondExport_withAWarmCache_sendsNoBlobRequestAtAll() throws Exception {
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, "cache-warm"), "cache/warm", "1");
        Path cache = dir.resolve("cache");
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            String ref = proxy.hostPort() + "/cache/warm:1";
            assertEquals(0, ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("a.tar").toString()).exitCode());
            assertTrue(blobRequests(proxy) > 0);
            proxy.reset();

            ExporterCli.Result second = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", dir.resolve("b.tar").toString());

            assertEquals(0, second.exitCode(), second.stderr());
            assertEquals(0, blobRequests(proxy), "config, trailers and layers all came from the cache: " + proxy.requests());
            assertArrayEquals(Files.readAllBytes(dir.resolve("a.tar")), Files.readAllBytes(dir.resolve("b.tar")));
        }
    }

    @Test
    void reexport_intoTheSameOciDir_downloadsNothing() throws Exception {
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.OCI, "cache-layout"), "cache/layout", "1");
        Path layout = dir.resolve("layout");
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            String ref = proxy.hostPort() + "/cache/layout:1";
            assertEquals(0, ExporterCli.create().run(ref, "--format", "oci-dir", "--no-cache", "-o", layout.toString()).exitCode());
            byte[] index = Files.readAllBytes(layout.resolve("index.json"));
            proxy.reset();

            ExporterCli.Result again = ExporterCli.create().run(ref, "--format", "oci-dir", "--no-cache", "-o", layout.toString());

            assertEquals(0, again.exitCode(), again.stderr());
            assertEquals(0, blobRequests(proxy), "nothing the folder holds is downloaded again: " + proxy.requests());
            assertArrayEquals(index, Files.readAllBytes(layout.resolve("index.json")));
        }
    }

    @Test
    void cacheAndNoCache_areAUsageErrorTogether() {
        ExporterCli.Result result = ExporterCli.create().run("x:1", "--cache", dir.toString(), "--no-cache");
        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().startsWith("exporter: --cache and --no-cache exclude each other"), result.stderr());
    }
}
