package dev.exporter.remote;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RetryPolicy;
import dev.exporter.registry.TransportOptions;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segmented downloads against the real registry (which serves ranges), and a proxy that ignores them or breaks
 * them; the docker format without a cache (whose large layers segment through the run's work folder) end to end.
 */
@ExtendWith(SharedResources.class)
class SegmentedRegistryDownloadTest {

    private static TestImage image;
    private static FaultProxy proxy;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        LocalRegistry registry = SharedRegistries.anonymous();
        image = TestImages.small(ImageFormat.OCI, "segments");
        new RegistryPusher(registry).push(image, "segments/app", "1");
        proxy = FaultProxy.start(registry.baseUri());
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    private byte[] fetchBigLayer() throws IOException {
        var layer = image.layers().get(2);
        Descriptor blob = Descriptor.of("application/vnd.oci.image.layer.v1.tar+gzip", Digest.parse(layer.digest()),
                layer.blob().length);
        RegistryClient client = new RegistryClient(new TransportOptions(null, false, true, Duration.ofSeconds(10),
                Duration.ofSeconds(10), dev.exporter.registry.http.Proxies.NONE), RetryPolicy.defaults(), CredentialProvider.anonymous());
        long segment = blob.size() / 5 + 1;
        try (BlobFetcher fetcher = new BlobFetcher(new RegistryBlobs(client), new BlobStore(dir.resolve("blobs")), 3,
                ProgressListener.NONE, 1, segment)) {
            return Files.readAllBytes(fetcher.fetch(ImageReference.parse(proxy.hostPort() + "/segments/app:1"), blob).join());
        }
    }

    /** Every request for the blob, ranged or not. */
    private static java.util.List<FaultProxy.Seen> requests(String digest) {
        return proxy.requests().stream().filter(r -> r.path().contains("/blobs/" + digest)).toList();
    }

    @Test
    void bigBlob_comesInRangeRequests_andIsIntact() throws IOException {
        proxy.reset();
        String digest = image.layers().get(2).digest();

        assertArrayEquals(image.layers().get(2).blob(), fetchBigLayer());

        var requests = requests(digest);
        assertTrue(requests.size() >= 5, requests.toString());
        assertTrue(requests.stream().allMatch(r -> r.range() != null && r.status() == 206), requests.toString());
        dev.exporter.transfer.SegmentedDownloadTest.assertCovers(requests.stream().map(r -> {
            String[] bytes = r.range().substring("bytes=".length()).split("-");
            return bytes[0] + "-" + (Long.parseLong(bytes[1]) + 1);
        }).toList(), image.layers().get(2).blob().length, image.layers().get(2).blob().length / 5 + 1);
    }

    @Test
    void aRegistryThatIgnoresRanges_isReadAsOneStream() throws IOException {
        proxy.reset();
        String digest = image.layers().get(2).digest();
        proxy.when(r -> r.rawPath().endsWith("/blobs/" + digest)).respond("ignore-range", FaultProxy.ignoreRange());

        assertArrayEquals(image.layers().get(2).blob(), fetchBigLayer());

        assertTrue(requests(digest).stream().anyMatch(r -> r.range() == null), requests(digest).toString());
    }

    /** The segment requests for {@code digest}: closed ranges longer than a gzip trailer read. */
    private static java.util.List<FaultProxy.Seen> segments(String digest) {
        return requests(digest).stream().filter(r -> r.range() != null && !r.range().endsWith("-"))
                .filter(r -> {
                    String[] bytes = r.range().substring("bytes=".length()).split("-");
                    return Long.parseLong(bytes[1]) - Long.parseLong(bytes[0]) + 1 > 4;
                }).toList();
    }

    /**
     * A docker export without a cache into {@code out} ("-" for standard output), with blobs of 1 KiB or more coming
     * in segments of 16 KiB (or none at all), and {@code tmp} as the temporary folder.
     */
    private static ExporterCli.Result exportDocker(boolean segmented, String out, Path tmp) throws IOException {
        return exportDocker(segmented, out, tmp, "0");
    }

    /** As above, with registries answering quicker than {@code nearbyMillis} counted as close by (0: none is). */
    private static ExporterCli.Result exportDocker(boolean segmented, String out, Path tmp, String nearbyMillis)
            throws IOException {
        return ExporterCli.create().env("TMPDIR", Files.createDirectories(tmp).toString())
                .jvmArgs("-Dexporter.segmentThreshold=" + (segmented ? 1024 : Long.MAX_VALUE), "-Dexporter.segmentSize=16384",
                        "-Dexporter.nearbyMillis=" + nearbyMillis)
                .run(proxy.hostPort() + "/segments/app:1", "--no-cache", "-q", "-o", out);
    }

    @Test
    void aRegistryCloseBy_isReadOneStreamPerBlob_evenForBlobsThatWouldBeSegmented() throws IOException {
        String digest = image.layers().get(2).digest();
        byte[] single = singleStream();
        proxy.reset();

        // the loopback registry answers within milliseconds: ranges would only cost requests and a read-back
        ExporterCli.Result result = exportDocker(true, "-", dir.resolve("tmp-near"), "10000");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(java.util.List.of(), segments(digest), requests(digest).toString());
        assertArrayEquals(single, result.stdout());
    }

    /** What {@code folder} holds besides {@code keep}: no temporaries may be left there. */
    private static java.util.List<Path> leftovers(Path folder, Path... keep) throws IOException {
        try (var files = Files.list(folder)) {
            return files.filter(f -> !java.util.List.of(keep).contains(f)).toList();
        }
    }

    /** The archive of the image exported as one stream per layer. */
    private byte[] singleStream() throws IOException {
        ExporterCli.Result reference = exportDocker(false, "-", dir.resolve("tmp-single"));
        assertEquals(0, reference.exitCode(), reference.stderr());
        return reference.stdout();
    }

    @Test
    void dockerWithoutCache_segmentedLayers_exportTheSameArchiveAsOneStream_andLeaveNoTemporary() throws IOException {
        String digest = image.layers().get(2).digest();
        byte[] single = singleStream();
        Path tmp = dir.resolve("tmp");
        Path file = Files.createDirectories(dir.resolve("out")).resolve("app.tar");
        proxy.reset();
        ExporterCli.Result streamed = exportDocker(true, "-", tmp);
        var streamedSegments = segments(digest);
        proxy.reset();
        ExporterCli.Result toFile = exportDocker(true, file.toString(), tmp);

        assertEquals(0, streamed.exitCode(), streamed.stderr());
        assertEquals(0, toFile.exitCode(), toFile.stderr());
        assertTrue(streamedSegments.size() > 1, streamedSegments.toString());
        assertTrue(segments(digest).size() > 1, requests(digest).toString());
        assertArrayEquals(single, streamed.stdout(), "streamed through the work folder");
        assertArrayEquals(single, Files.readAllBytes(file), "written in place");
        assertEquals(java.util.List.of(), leftovers(tmp));
        assertEquals(java.util.List.of(), leftovers(file.getParent(), file));
    }

    /**
     * A registry that does not serve ranges - it ignores them (200), or answers a segment inside the blob with 416 -
     * is read as one stream, and the archive is the same.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ignore-range", "416"})
    void dockerWithoutCache_aRegistryNotServingRanges_fallsBackToOneStream_andExportsTheSameArchive(String fault)
            throws IOException {
        String digest = image.layers().get(2).digest();
        byte[] single = singleStream();
        Path tmp = dir.resolve("tmp");
        proxy.reset();
        if (fault.equals("416")) {
            proxy.when(r -> r.rawPath().endsWith("/blobs/" + digest) && r.header("range") != null
                    && !r.header("range").startsWith("bytes=0-")).respond(fault, FaultProxy.status(416));
        } else {
            proxy.when(r -> r.rawPath().endsWith("/blobs/" + digest)).respond(fault, FaultProxy.ignoreRange());
        }

        ExporterCli.Result result = exportDocker(true, "-", tmp);

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(!segments(digest).isEmpty(), "segments were asked for: " + requests(digest));
        assertTrue(requests(digest).stream().anyMatch(r -> r.range() == null && r.status() == 200), requests(digest).toString());
        assertArrayEquals(single, result.stdout());
        assertEquals(java.util.List.of(), leftovers(tmp));
    }

    @Test
    void dockerWithoutCache_aSegmentThatFails_failsWithOneLine_andLeavesNothing() throws IOException {
        String digest = image.layers().get(2).digest();
        Path tmp = dir.resolve("tmp");
        Path file = Files.createDirectories(dir.resolve("out")).resolve("app.tar");
        proxy.reset();
        proxy.when(r -> r.rawPath().endsWith("/blobs/" + digest) && r.header("range") != null
                && !r.header("range").startsWith("bytes=0-")).respond("gone", FaultProxy.status(404));

        for (String out : java.util.List.of("-", file.toString())) {
            ExporterCli.Result result = exportDocker(true, out, tmp);

            assertEquals(1, result.exitCode(), result.stderr());
            assertEquals(1, result.error().lines().count(), result.stderr());
            assertTrue(result.error().contains(digest), result.stderr());
            assertEquals(java.util.List.of(), leftovers(tmp), "no temporary");
            assertEquals(java.util.List.of(), leftovers(file.getParent()), "no partial output");
        }
    }
}
