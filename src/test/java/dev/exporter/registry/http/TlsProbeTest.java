package dev.exporter.registry.http;

import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loopback scheme probe against the real registry, with and without TLS, and a server that never answers. */
@ExtendWith(SharedResources.class)
class TlsProbeTest {

    private static TlsProbe.Answer probe(LocalRegistry registry) {
        return TlsProbe.probe(URI.create("https://" + registry.hostPort()), Duration.ofSeconds(10));
    }

    @Test
    void aPlainHttpRegistryAnswersTheHelloWithHttp() {
        assertEquals(TlsProbe.Answer.PLAIN_HTTP, probe(SharedRegistries.anonymous()));
    }

    @Test
    void aTlsRegistryAnswersTheHelloWithTls() {
        assertEquals(TlsProbe.Answer.TLS, probe(SharedRegistries.tls()));
    }

    @Test
    void aSilentServerIsUnknownAfterTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    Thread.sleep(10_000);
                } catch (Exception done) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            assertEquals(TlsProbe.Answer.UNKNOWN, TlsProbe.probe(URI.create("https://127.0.0.1:" + silent.getLocalPort()), Duration.ofMillis(500)));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000);
        }
    }

    @Test
    void nothingListeningIsUnknown() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        assertEquals(TlsProbe.Answer.UNKNOWN, TlsProbe.probe(URI.create("https://[::1]:" + port), Duration.ofSeconds(2)));
    }
}
