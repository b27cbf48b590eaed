package dev.exporter.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RetryPolicy;
import dev.exporter.registry.TransportOptions;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Sockets connected while a registry's scheme is still unknown ({@link HttpTransport#preconnectTcp}) become the
 * connections of whichever scheme it turns out to be: plain as they are, https with the handshake done over them;
 * one the server closed before it was used costs a new connection, not the request.
 */
class EarlySocketsTest {

    /** Counts accepted connections; answers every request with "ok"; closes the first {@code dropped} at once. */
    private static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();
        final List<String> requests;
        private final BiConsumer<Socket, Integer> handler;

        /** A server that answers "ok" to every request, after closing the first {@code dropped} connections at once. */
        static Server answering(ServerSocket socket, int dropped) {
            List<String> requests = new CopyOnWriteArrayList<>();
            return new Server(socket, requests, (client, n) -> {
                if (n > dropped) {
                    serve(client, requests);
                }
            });
        }

        /** {@code handler} gets each accepted socket (closed after it returns) and how many were accepted with it. */
        Server(ServerSocket socket, List<String> requests, BiConsumer<Socket, Integer> handler) {
            this.socket = socket;
            this.requests = requests;
            this.handler = handler;
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket client = socket.accept();
                        int n = accepted.incrementAndGet();
                        Thread thread = new Thread(() -> {
                            try (client) {
                                this.handler.accept(client, n);
                            } catch (IOException ignored) {
                                // closing what the client left
                            }
                        });
                        thread.setDaemon(true);
                        thread.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void serve(Socket client, List<String> requests) {
            try {
                InputStream in = client.getInputStream();
                for (String head; (head = readHead(in)) != null; ) {
                    requests.add(head.lines().findFirst().orElse(""));
                    client.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    client.getOutputStream().flush();
                }
            } catch (IOException ignored) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != -1; ) {
                head.write(b);
                if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        URI uri(String scheme) {
            return URI.create(scheme + "://127.0.0.1:" + socket.getLocalPort() + "/v2/");
        }

        void awaitAccepted(int count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (accepted.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(100); // and nothing more comes
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static HttpTransport transport(SSLContext tls) {
        return new HttpTransport(() -> tls, true, Proxies.NONE, Duration.ofSeconds(5), Duration.ofSeconds(10), Pace.DEFAULT);
    }

    private static String get(HttpTransport transport, URI uri) throws IOException {
        try (Response response = transport.send(Request.get(uri))) {
            return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void plainHttp_theEarlySocketsCarryThePreconnectedConnections() throws Exception {
        try (Server server = Server.answering(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), 0);
             HttpTransport transport = transport(null)) {
            transport.preconnectTcp(server.uri("https"), 3); // the scheme is not known yet
            server.awaitAccepted(3);
            assertEquals(3, server.accepted.get());
            assertEquals(List.of(), server.requests, "nothing is sent before the scheme is known");

            transport.preconnect(server.uri("http"), 3);
            for (int i = 0; i < 3; i++) {
                assertEquals("ok", get(transport, server.uri("http")));
            }
            Thread.sleep(200);
            assertEquals(3, server.accepted.get(), "no connection beyond the early ones");
        }
    }

    @Test
    void https_theHandshakeIsDoneOverTheEarlySockets() throws Exception {
        try (Server server = Server.answering(serverTls().getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress()), 0); HttpTransport transport = transport(TestPki.get().sslContext())) {
            transport.preconnectTcp(server.uri("https"), 2);
            server.awaitAccepted(2);

            transport.preconnect(server.uri("https"), 2);
            Thread.sleep(1000); // the openers' handshakes end, and their connections wait in the idle pool
            assertEquals("ok", get(transport, server.uri("https")));
            assertEquals("ok", get(transport, server.uri("https")));
            Thread.sleep(200);
            assertEquals(2, server.accepted.get(), "the TLS connections are the early sockets");
            assertEquals(2, server.requests.size());
        }
    }

    @Test
    void anEarlySocketTheServerClosed_costsANewConnectionNotTheRequest() throws Exception {
        try (Server server = Server.answering(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), 1);
             HttpTransport transport = transport(null)) {
            transport.preconnectTcp(server.uri("http"), 1);
            server.awaitAccepted(1);

            assertEquals("ok", get(transport, server.uri("http")));
            assertEquals(2, server.accepted.get(), "the closed one, then a new one");
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void registryClient_connectsWhileTheSchemeIsProbed() throws Exception {
        AtomicInteger acceptedDuringProbe = new AtomicInteger(-1);
        AtomicInteger accepted = new AtomicInteger();
        try (Server server = new Server(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), List.of(), (client, n) -> {
            accepted.set(Math.max(accepted.get(), n));
            try {
                client.setSoTimeout(3000);
                if (client.getInputStream().read() == 0x16) { // the probe's TLS hello: answered late
                    Thread.sleep(800);
                    acceptedDuringProbe.set(accepted.get());
                    client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
            } catch (IOException | InterruptedException ignored) {
                // the client went away
            }
        })) {
            RegistryClient client = new RegistryClient(new TransportOptions(null, false, false, Duration.ofSeconds(10),
                    Duration.ofSeconds(10), Proxies.NONE), new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1)),
                    CredentialProvider.anonymous());

            client.preconnect(ImageReference.parse("127.0.0.1:" + server.socket.getLocalPort() + "/team/app:v1"), 3);

            assertEquals(4, acceptedDuringProbe.get(), "the probe and the 3 connections were accepted before the"
                    + " probe had its answer");
        }
    }

    /** A server context with the test PKI's server certificate (SANs 127.0.0.1, localhost). */
    private static SSLContext serverTls() throws Exception {
        TestPki pki = TestPki.get();
        String pem = Files.readString(pki.serverKeyPem());
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        Certificate cert;
        try (InputStream in = Files.newInputStream(pki.serverCertPem())) {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)),
                new char[0], new Certificate[] {cert});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
