package dev.exporter.remote;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RetryPolicy;
import dev.exporter.registry.TransportOptions;
import dev.exporter.registry.auth.CredentialProvider;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Segmented downloads against the real registry (which serves ranges), and a proxy that ignores them. */
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
}
