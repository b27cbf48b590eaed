package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.FaultProxy.Seen;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.Layer;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A docker archive of small layers: each layer blob is fetched once, whole, before the archive is laid out (no
 * trailer read), and those verified bytes fill its hole; the archive is the one written front to back.
 */
@ExtendWith(SharedResources.class)
class PullSmallLayersTest {

    private static final String REPO = "small/many";

    private static LocalRegistry registry;
    private static FaultProxy proxy;
    private static TestImage image;
    private static String ref;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        registry = SharedRegistries.anonymous();
        image = TestImages.manyLayers(ImageFormat.DOCKER, 24);
        new RegistryPusher(registry).push(image, REPO, "1");
        proxy = FaultProxy.start(registry.baseUri());
        ref = proxy.hostPort() + "/" + REPO + ":1";
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void reset() {
        proxy.reset();
    }

    private static List<Seen> blobRequests() {
        return proxy.requests().stream().filter(s -> s.path().contains("/blobs/")).toList();
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void pull_manySmallLayers_fetchesEachLayerBlobOnce_withoutTrailerReads() throws IOException {
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--no-cache", "-o", out.toString(), "--quiet");

        assertEquals(0, result.exitCode(), result.stderr());
        List<Seen> blobs = blobRequests();
        assertTrue(blobs.stream().noneMatch(s -> s.range() != null), "no Range request: " + blobs);
        for (Layer layer : image.layers()) {
            assertEquals(1, proxy.blobRequests(layer.digest()).size(), "one request for " + layer.digest());
        }
        assertEquals(image.layers().size() + 1, blobs.size(), "the layers and the config, once each: " + blobs);
        assertEquals(List.of("out.tar"), listing(dir), "no temporary left");

        ExporterCli.Result streamed = ExporterCli.create().run(ref, "--no-cache", "-o", "-", "--quiet");
        assertEquals(0, streamed.exitCode(), streamed.stderr());
        assertArrayEquals(streamed.stdout(), Files.readAllBytes(out), "the archive written front to back, byte for byte");
    }

    @Test
    void pull_manySmallLayers_withACache_storesEachBlobAsItIsFetched() throws IOException {
        Path cache = dir.resolve("cache");
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o", out.toString(), "--quiet");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(image.layers().size() + 1, blobRequests().size(), "each blob once: " + blobRequests());
        for (Layer layer : image.layers()) {
            Path cached = cache.resolve("blobs/sha256/" + layer.digest().substring("sha256:".length()));
            assertArrayEquals(layer.blob(), Files.readAllBytes(cached), "in the cache: " + layer.digest());
        }
        proxy.reset();
        ExporterCli.Result again = ExporterCli.create().run(ref, "--cache", cache.toString(), "-o",
                dir.resolve("again.tar").toString(), "--quiet");
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(List.of(), blobRequests(), "a warm re-export asks for no blob");
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(dir.resolve("again.tar")));
    }

    @Test
    void pull_damagedSmallLayer_isRefused_andLeavesNothing() throws IOException {
        String damaged = image.layers().get(5).digest();
        proxy.when(FaultProxy.blob(damaged)).respond("flip", FaultProxy.flipByte(20));
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "--no-cache", "-o", out.toString(), "--quiet");

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(1, result.stderr().strip().lines().count(), result.stderr());
        assertTrue(result.error().contains("pull blob " + damaged) && result.error().contains("digest mismatch"),
                result.error());
        assertEquals(List.of(), listing(dir), "no output and no temporary");
    }
}
