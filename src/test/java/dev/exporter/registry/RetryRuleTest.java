package dev.exporter.registry;

import dev.exporter.reference.Registry;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.registry.http.NetworkException;
import dev.exporter.registry.http.Proxies;
import org.junit.jupiter.api.Test;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What {@link RegistryClient} retries, against a scripted HTTP server on loopback: the network's failures are
 * retried, a handler's own write failure never is.
 */
class RetryRuleTest {

    private static final byte[] BLOB = new byte[100_000];

    static {
        Arrays.fill(BLOB, (byte) 'x');
    }

    /** Answers the n-th request with the n-th script (the last one for any later request). */
    private static final class ScriptedServer implements AutoCloseable {
        interface Script {
            void answer(OutputStream out) throws IOException;
        }

        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger requests = new AtomicInteger();

        ScriptedServer(List<Script> scripts) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket client = socket.accept()) {
                        readHead(client.getInputStream());
                        int i = requests.getAndIncrement();
                        scripts.get(Math.min(i, scripts.size() - 1)).answer(client.getOutputStream());
                        client.getOutputStream().flush();
                    } catch (IOException closedOrGone) {
                        // the next connection, if any
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        Registry registry() {
            return Registry.parse("127.0.0.1:" + socket.getLocalPort());
        }

        private static void readHead(InputStream in) throws IOException {
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (matched < end.length) {
                int b = in.read();
                if (b == -1) {
                    throw new IOException("client went away");
                }
                matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The whole blob, with a Content-Length; {@code cutAfter} bytes only, then a close, when not negative. */
    private static ScriptedServer.Script blob(int cutAfter) {
        return out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BLOB.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(BLOB, 0, cutAfter < 0 ? BLOB.length : cutAfter);
        };
    }

    private interface Handler<T> {
        T handle(RegistryResponse response) throws IOException;
    }

    private static <T> RegistryEndpoint<T> blobEndpoint(Handler<T> handler) {
        return new RegistryEndpoint<>() {
            @Override
            public String path() {
                return "/v2/test/blobs/sha256:abc";
            }

            @Override
            public String repository() {
                return "test";
            }

            @Override
            public String description() {
                return "pull blob sha256:abc of test";
            }

            @Override
            public T handle(RegistryResponse response) throws IOException {
                return handler.handle(response);
            }
        };
    }

    private static RegistryClient client() {
        TransportOptions plainHttp = new TransportOptions(null, false, true, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Proxies.NONE);
        return new RegistryClient(plainHttp, new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(10)),
                CredentialProvider.anonymous());
    }

    @Test
    void call_whenTheHandlersWriteFailsOnAFullDisk_failsAtOnceWithoutRetry() throws IOException {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "needs /dev/full");
        try (ScriptedServer server = new ScriptedServer(List.of(blob(-1)))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> client().call(server.registry(),
                    blobEndpoint(response -> {
                        try (OutputStream disk = new FileOutputStream("/dev/full")) {
                            return response.body().transferTo(disk); // an IOException nobody wrapped
                        }
                    })));
            assertEquals(1, server.requests.get(), "a local write failure is not retried");
            assertTrue(e.getMessage().startsWith("pull blob sha256:abc of test: local write failure"), e.getMessage());
        }
    }

    @Test
    void call_whenTheBodyIsCutMidStream_retriesAndGetsItAll() throws IOException {
        try (ScriptedServer server = new ScriptedServer(List.of(blob(30_000), blob(-1)))) {
            byte[] body = client().call(server.registry(), blobEndpoint(response -> response.body().readAllBytes()));
            assertEquals(2, server.requests.get(), "the cut body was asked for again");
            assertEquals(BLOB.length, body.length);
        }
    }

    @Test
    void call_whenTheHandlerFindsTheBodyCutShort_retries() throws IOException {
        try (ScriptedServer server = new ScriptedServer(List.of(blob(-1)))) {
            AtomicInteger calls = new AtomicInteger();
            int length = client().call(server.registry(), blobEndpoint(response -> {
                byte[] all = response.body().readAllBytes();
                if (calls.incrementAndGet() == 1) {
                    throw new NetworkException("connection closed after 10 of 20 bytes");
                }
                return all.length;
            }));
            assertEquals(2, server.requests.get());
            assertEquals(BLOB.length, length);
        }
    }

    @Test
    void call_whenTheBodyIsCutEveryTime_givesUpWithTheNetworksReason() throws IOException {
        try (ScriptedServer server = new ScriptedServer(List.of(blob(1000)))) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> client().call(server.registry(), blobEndpoint(response -> response.body().readAllBytes())));
            assertEquals(4, server.requests.get(), "one try and three retries");
            assertEquals(RegistryException.Kind.NETWORK, e.kind());
            assertTrue(e.getMessage().startsWith("pull blob sha256:abc of test: connection closed after 1000 of 100000 bytes"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("(gave up after 3 retries)"), e.getMessage());
        }
    }
}
