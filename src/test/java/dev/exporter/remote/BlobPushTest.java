package dev.exporter.remote;

import dev.exporter.image.Descriptor;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RetryPolicy;
import dev.exporter.registry.TransportOptions;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uploads into the real registry: a blob still being made (a layer being compressed) in chunks as its bytes come, a complete one in one PATCH. */
@ExtendWith(SharedResources.class)
class BlobPushTest {

    private static final int CHUNK = 1024 * 1024;

    /** Bytes released a piece at a time by a thread of its own, as a compressor writes them; or failing half-way. */
    private static final class Trickle implements GrowingBlob {
        final byte[] bytes;
        final boolean fails;
        final AtomicBoolean readWhileGrowing = new AtomicBoolean();
        private long available;
        private boolean failed;

        Trickle(byte[] bytes, boolean fails) {
            this.bytes = bytes;
            this.fails = fails;
            Thread t = new Thread(this::run);
            t.setDaemon(true);
            t.start();
        }

        private void run() {
            for (long at = 0; at < bytes.length; ) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (fails && at >= bytes.length / 2) {
                        failed = true;
                        notifyAll();
                        return;
                    }
                    at = available = Math.min(bytes.length, available + CHUNK / 4);
                    notifyAll();
                }
            }
        }

        @Override
        public synchronized long await(long wanted) throws IOException {
            while (available < wanted && available < bytes.length && !failed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            if (failed) {
                throw new IOException("the source broke off");
            }
            return available;
        }

        @Override
        public synchronized Descriptor complete() {
            return available == bytes.length ? Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256Of(bytes), bytes.length) : null;
        }

        @Override
        public InputStream open(long offset) throws IOException {
            if (complete() == null) {
                readWhileGrowing.set(true);
            }
            // a chunk reads only what await said is there
            return new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
        }
    }

    private static RegistryClient client() {
        return new RegistryClient(new TransportOptions(null, false, true, Duration.ofSeconds(10), Duration.ofSeconds(10),
                dev.exporter.registry.http.Proxies.NONE), RetryPolicy.defaults(), CredentialProvider.anonymous());
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    @Test
    void chunksGoOutWhileTheBlobGrows_andTheRegistryHoldsItWhole() throws Exception {
        LocalRegistry registry = SharedRegistries.anonymous();
        ImageReference repository = ImageReference.parse(registry.hostPort() + "/growing/ok:1");
        Trickle blob = new Trickle(random(3 * CHUNK + CHUNK / 2), false);
        long mark = registry.logMark();

        Descriptor pushed = new BlobPush(client(), CHUNK, CHUNK, CHUNK).push(repository, blob, "push growing blob");

        assertEquals(Digest.sha256Of(blob.bytes), pushed.digest());
        assertTrue(blob.readWhileGrowing.get(), "the first chunk went out before the blob was complete");
        List<String> requests = registry.requestsSince(mark);
        assertEquals(4, requests.stream().filter(r -> r.startsWith("PATCH ")).count(), requests.toString());
        HttpResponse<byte[]> stored = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + registry.hostPort() + "/v2/growing/ok/blobs/" + pushed.digest())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(blob.bytes, stored.body());
    }

    @Test
    void aBlobWhoseBytesAreAllThere_goesInOnePatch() {
        LocalRegistry registry = SharedRegistries.anonymous();
        ImageReference repository = ImageReference.parse(registry.hostPort() + "/growing/whole:1");
        byte[] bytes = random(3 * CHUNK + CHUNK / 2);
        Descriptor blob = Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256Of(bytes), bytes.length);
        long mark = registry.logMark();

        BlobPush.Outcome outcome = new BlobPush(client(), CHUNK, CHUNK, 8 * CHUNK).push(repository, blob,
                offset -> new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset), null,
                dev.exporter.transfer.ProgressListener.NONE);

        assertEquals(BlobPush.Outcome.UPLOADED, outcome);
        List<String> requests = registry.requestsSince(mark);
        assertEquals(1, requests.stream().filter(r -> r.startsWith("PATCH ")).count(), requests.toString());
        assertEquals(1, requests.stream().filter(r -> r.startsWith("PUT ") && r.contains("digest=" + blob.digest())).count(),
                requests.toString());
    }

    @Test
    void aSourceThatBreaksOff_failsThePush_andTheBlobIsNeverCommitted() {
        LocalRegistry registry = SharedRegistries.anonymous();
        ImageReference repository = ImageReference.parse(registry.hostPort() + "/growing/broken:1");
        Trickle blob = new Trickle(random(3 * CHUNK), true);
        long mark = registry.logMark();

        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> new BlobPush(client(), CHUNK, CHUNK, CHUNK).push(repository, blob, "push growing blob"));

        assertTrue(e.getMessage().startsWith("push growing blob: ") && e.getMessage().contains("the source broke off"),
                e.getMessage());
        List<String> requests = registry.requestsSince(mark);
        assertTrue(requests.stream().noneMatch(r -> r.contains("digest=")), requests.toString());
    }
}
