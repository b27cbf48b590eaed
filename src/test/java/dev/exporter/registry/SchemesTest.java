package dev.exporter.registry;

import dev.exporter.reference.Registry;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loopback registry the TLS probe cannot tell about (a plain-HTTP server that waits for a whole request line
 * before it answers, as Python's http.server does): probed once, and every concurrent request whose https attempt
 * failed goes on over plain http, not only the first one.
 */
class SchemesTest {

    private static final IOException HANDSHAKE = new IOException("send", new SSLHandshakeException("not TLS"));

    private static Schemes schemes() {
        return new Schemes(new TransportOptions(null, false, false, Duration.ofSeconds(5), Duration.ofSeconds(5),
                dev.exporter.registry.http.Proxies.NONE));
    }

    @Test
    void anUndecidedProbe_isMadeOnce_andEveryRequestThatFailedItsHandshakeFallsBack() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        List<Socket> open = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept();
                        accepted.incrementAndGet();
                        synchronized (open) {
                            open.add(s); // never answers: the probe times out undecided
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            server.setDaemon(true);
            server.start();
            Registry registry = Registry.parse("127.0.0.1:" + silent.getLocalPort());
            Schemes schemes = schemes();

            String first = schemes.baseUrl(registry);
            String second = schemes.baseUrl(registry);

            assertEquals("https://" + registry.apiHost(), first);
            assertEquals(first, second);
            assertEquals(1, accepted.get(), "one probe, not one per request");
            assertFalse(schemes.unsettled(registry), "no probe is left to overlap connects with");
            assertTrue(schemes.fallBackToPlainHttp(registry, first, HANDSHAKE), "the first failed handshake");
            assertTrue(schemes.fallBackToPlainHttp(registry, second, HANDSHAKE), "a concurrent one, after the first settled http");
            assertEquals("http://" + registry.apiHost(), schemes.baseUrl(registry));
        } finally {
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    @Test
    void onceHttpsWorked_aHandshakeFailureIsNoReasonToFallBack() {
        Registry registry = Registry.parse("127.0.0.1:1");
        Schemes schemes = schemes();
        schemes.settled(registry, "https://" + registry.apiHost());

        assertFalse(schemes.fallBackToPlainHttp(registry, "https://" + registry.apiHost(), HANDSHAKE));
        assertEquals("https://" + registry.apiHost(), schemes.baseUrl(registry));
    }

    @Test
    void aRegistryThatIsNotInsecure_neverFallsBack() {
        Registry registry = Registry.parse("registry.example");
        assertFalse(schemes().fallBackToPlainHttp(registry, "https://registry.example", HANDSHAKE));
    }
}
