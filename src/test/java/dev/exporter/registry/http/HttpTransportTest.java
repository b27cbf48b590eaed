package dev.exporter.registry.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/1.1 transport against scripted servers on loopback: framings, connection reuse, and the answers a real
 * registry does not give (early closes, stalls, garbage).
 */
class HttpTransportTest {

    /** Answers each request on a connection with the next script entry (raw bytes); null closes the connection. */
    private final class ScriptedServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<Script> scripts;

        interface Script {
            void answer(OutputStream out, String request) throws Exception;
        }

        ScriptedServer(Script... perRequest) throws IOException {
            this.scripts = java.util.Arrays.asList(perRequest);
            AtomicInteger next = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket client = socket.accept();
                        connections.incrementAndGet();
                        Thread handler = new Thread(() -> serve(client, next));
                        handler.setDaemon(true);
                        handler.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket client, AtomicInteger next) {
            try (client) {
                InputStream in = client.getInputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    requests.add(head);
                    int i = next.getAndIncrement();
                    if (i >= scripts.size() || scripts.get(i) == null) {
                        return;
                    }
                    scripts.get(i).answer(client.getOutputStream(), head);
                    client.getOutputStream().flush();
                }
            } catch (Exception ignored) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                head.write(b);
                String text = head.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r\n\r\n")) {
                    return text;
                }
            }
            return null;
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static ScriptedServer.Script raw(String response) {
        return (out, request) -> out.write(response.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends {@code response} and closes the connection. */
    private static ScriptedServer.Script thenClose(String response) {
        return (out, request) -> {
            out.write(response.getBytes(StandardCharsets.ISO_8859_1));
            throw new IOException("closing");
        };
    }

    private static ScriptedServer.Script ok(String body) {
        return raw("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    private HttpTransport transport = transport(Duration.ofSeconds(10));

    private static HttpTransport transport(Duration readTimeout) {
        return transport(readTimeout, Pace.DEFAULT);
    }

    private static HttpTransport transport(Duration readTimeout, Pace pace) {
        return new HttpTransport(() -> {
            throw new AssertionError("plain-HTTP requests must not set TLS up");
        }, true, Proxies.NONE, Duration.ofSeconds(5), readTimeout, pace);
    }

    @AfterEach
    void closeTransport() {
        transport.close();
    }

    private String get(ScriptedServer server, String path) throws IOException {
        try (Response response = transport.send(Request.get(server.uri(path)).header("Accept", "x/y"))) {
            return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void quickestAnswer_isTheQuickestRoundTripSeen_fromTheLastByteSentToTheFirstByteBack() throws Exception {
        ScriptedServer.Script slow = (out, request) -> {
            Thread.sleep(300);
            ok("slow").answer(out, request);
        };
        ScriptedServer.Script slower = (out, request) -> {
            Thread.sleep(600);
            ok("slower").answer(out, request);
        };
        try (ScriptedServer server = new ScriptedServer(slower, slow)) {
            assertEquals(null, transport.quickestAnswer(server.uri("/v2/")));
            get(server, "/v2/");
            get(server, "/v2/");

            Duration quickest = transport.quickestAnswer(server.uri("/v2/a"));
            assertTrue(quickest.toMillis() >= 300 && quickest.toMillis() < 600, quickest.toString());
        }
    }

    @Test
    void sendsAnHttp11RequestAndReusesTheConnectionForTheNext() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ok("first"), ok("second"))) {
            assertEquals("first", get(server, "/v2/a/manifests/1?x=%2F"));
            assertEquals("second", get(server, "/v2/"));

            assertEquals(1, server.connections.get());
            String request = server.requests.get(0);
            assertTrue(request.startsWith("GET /v2/a/manifests/1?x=%2F HTTP/1.1\r\n"), request);
            assertTrue(request.contains("\r\nHost: 127.0.0.1:" + server.socket.getLocalPort() + "\r\n"), request);
            assertTrue(request.contains("\r\nAccept: x/y\r\n"), request);
        }
    }

    @Test
    void preconnect_opensIdleConnectionsThatSendNothing_andTheNextRequestsUseThem() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ok("first"), ok("second"), ok("third"))) {
            transport.preconnect(server.uri("/"), 3);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (server.connections.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200); // the openers hand their connections to the idle pool after the server accepts them
            assertEquals(3, server.connections.get());
            assertEquals(List.of(), server.requests, "nothing is sent on a connection opened ahead");

            transport.preconnect(server.uri("/"), 3);
            assertEquals("first", get(server, "/"));
            assertEquals("second", get(server, "/"));
            assertEquals("third", get(server, "/"));

            Thread.sleep(100);
            assertEquals(3, server.connections.get(), "the requests went on the connections opened ahead, and no more were opened");
        }
    }

    @Test
    void readsChunkedBodiesWithExtensionsAndTrailers() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nX-T: y\r\n\r\n"),
                ok("again"))) {
            assertEquals("hello world", get(server, "/"));
            assertEquals("again", get(server, "/"));
            assertEquals(1, server.connections.get());
        }
    }

    @Test
    void aBodyCutShortIsAnErrorNotAnEnd() throws Exception {
        try (ScriptedServer server = new ScriptedServer(thenClose("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"))) {
            IOException e = assertThrows(IOException.class, () -> get(server, "/"));
            assertEquals("connection closed after 10 of 100 bytes", e.getMessage());
        }
    }

    @Test
    void aChunkedBodyCutShortIsAnError() throws Exception {
        try (ScriptedServer server = new ScriptedServer(thenClose("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc"))) {
            IOException e = assertThrows(IOException.class, () -> get(server, "/"));
            assertTrue(e.getMessage().startsWith("connection closed in the middle of a chunk"), e.getMessage());
        }
    }

    @Test
    void aStalledBodyFailsAfterTheReadTimeout() throws Exception {
        transport = transport(Duration.ofMillis(1500));
        try (ScriptedServer server = new ScriptedServer((out, request) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(20_000);
        })) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> get(server, "/"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("connection stalled: no data for 1 s", e.getMessage());
            assertTrue(millis >= 1400 && millis < 10_000, "took " + millis + " ms");
        }
    }

    @Test
    void aServerThatStopsReadingAnUpload_failsTheWriteAfterTheReadTimeout() throws Exception {
        transport = transport(Duration.ofMillis(1500));
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket client = silent.accept()) {
                    Thread.sleep(30_000); // accepts, never reads
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            byte[] big = new byte[64 * 1024 * 1024]; // far more than the socket buffers hold
            Request upload = Request.get(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/v2/a/blobs/uploads/x"))
                    .method("PUT").body(RequestBody.of(big));
            long start = System.nanoTime();

            IOException e = assertThrows(IOException.class, () -> transport.send(upload));

            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(e instanceof java.net.SocketTimeoutException, e.toString());
            assertTrue(e.getMessage().contains("accepted nothing of the request for 1 s"), e.getMessage());
            assertTrue(millis >= 1400 && millis < 10_000, "took " + millis + " ms");
            acceptor.interrupt();
        }
    }

    @Test
    void anIdleConnectionTheServerClosedIsReplaced() throws Exception {
        // The server answers once per connection without saying so, as servers with short idle timeouts do.
        try (ScriptedServer server = new ScriptedServer(ok("one"), null, ok("two"))) {
            assertEquals("one", get(server, "/"));
            assertEquals("two", get(server, "/"));
            assertEquals(2, server.connections.get());
        }
    }

    @Test
    void connectionCloseAndUnfinishedBodiesAreNotReused() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                raw("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nab"), ok("0123456789"), ok("c"))) {
            assertEquals("ab", get(server, "/"));
            try (Response response = transport.send(Request.get(server.uri("/")))) {
                assertEquals('0', response.body().read());
            }
            assertEquals("c", get(server, "/"));
            assertEquals(3, server.connections.get());
        }
    }

    @Test
    void skipsInformationalAnswersAndHeadHasNoBody() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:1\r\nContent-Length: 5\r\n\r\nhello"),
                raw("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"), ok("after"))) {
            assertEquals("hello", get(server, "/"));
            try (Response head = transport.send(Request.get(server.uri("/")).method("HEAD"))) {
                assertEquals(200, head.status());
                assertEquals("1234", head.headers().firstValue("CONTENT-LENGTH").orElseThrow());
                assertEquals(-1, head.body().read());
            }
            assertEquals("after", get(server, "/"));
            assertEquals(1, server.connections.get());
        }
    }

    /** Writes {@code head} once, then {@code line} until the client goes away. */
    private static ScriptedServer.Script endless(String head, String line) {
        return (out, request) -> {
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            byte[] bytes = line.repeat(100).getBytes(StandardCharsets.ISO_8859_1);
            while (true) {
                out.write(bytes);
            }
        };
    }

    @Test
    void endlessTrailerLinesAreCappedLikeHeaderFields() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n", "X-Trailer: y\r\n"))) {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(IOException.class, () -> get(server, "/")));
            assertEquals("more than 256 header fields", e.getMessage());
        }
    }

    @Test
    void endlessInterimAnswersAreCapped() throws Exception {
        try (ScriptedServer server = new ScriptedServer(endless("", "HTTP/1.1 100 Continue\r\n\r\n"))) {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(IOException.class, () -> get(server, "/")));
            assertEquals("more than 32 interim (1xx) answers", e.getMessage());
        }
    }

    /** Sends {@code head}, then {@code drip} one byte every 100 ms (a read timeout never fires), then {@code rest}. */
    private static ScriptedServer.Script dripping(String head, String drip, String rest) {
        return (out, request) -> {
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            for (byte b : drip.getBytes(StandardCharsets.ISO_8859_1)) {
                out.flush();
                Thread.sleep(100);
                out.write(b);
            }
            out.write(rest.getBytes(StandardCharsets.ISO_8859_1));
        };
    }

    /** A failure of {@code call}, which must come within {@code max}. */
    private static IOException failsWithin(Duration max, org.junit.jupiter.api.function.Executable call) {
        long start = System.nanoTime();
        IOException e = assertTimeoutPreemptively(max.plusSeconds(5), () -> assertThrows(IOException.class, call));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(max) < 0, "took " + took);
        return e;
    }

    @Test
    void aHeadThatTricklesInFailsAtTheDeadline() throws Exception {
        transport = transport(Duration.ofSeconds(10), new Pace(Duration.ofSeconds(1), 0, Duration.ofSeconds(60)));
        try (ScriptedServer server = new ScriptedServer(dripping("HTTP/1.1 200 OK\r\n", "X-Slow: " + "x".repeat(1000), ""))) {
            IOException e = failsWithin(Duration.ofSeconds(4), () -> get(server, "/"));
            assertTrue(e instanceof SlowAnswerException, String.valueOf(e));
            assertEquals("answer still incomplete after 1 s (sent too slowly)", e.getMessage());
        }
    }

    @Test
    void aSmallBodyThatTricklesInFailsAtTheDeadline() throws Exception {
        transport = transport(Duration.ofSeconds(10), new Pace(Duration.ofSeconds(1), 0, Duration.ofSeconds(60)));
        try (ScriptedServer server = new ScriptedServer(dripping("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
                "y".repeat(1000), ""))) {
            IOException e = failsWithin(Duration.ofSeconds(4), () -> get(server, "/"));
            assertEquals("answer still incomplete after 1 s (sent too slowly)", e.getMessage());
        }
    }

    @Test
    void aDownloadBelowTheMinimumRateFailsAtTheEndOfAWindow() throws Exception {
        transport = transport(Duration.ofSeconds(10), new Pace(Duration.ofSeconds(60), 100, Duration.ofSeconds(1)));
        try (ScriptedServer server = new ScriptedServer(dripping("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
                "z".repeat(1000), ""))) {
            IOException e = failsWithin(Duration.ofSeconds(4), () -> {
                try (Response response = transport.send(Request.get(server.uri("/")))) {
                    response.download().readAllBytes();
                }
            });
            assertTrue(e instanceof SlowAnswerException, String.valueOf(e));
            assertTrue(e.getMessage().matches("download slower than 100 bytes/s: [0-9]+ bytes in 1 s"), e.getMessage());
        }
    }

    @Test
    void aDownloadAtTheMinimumRateMayTakeLongerThanTheDeadline() throws Exception {
        transport = transport(Duration.ofSeconds(10), new Pace(Duration.ofSeconds(1), 5, Duration.ofSeconds(1)));
        String body = "w".repeat(20);
        try (ScriptedServer server = new ScriptedServer(dripping("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n", body, ""))) {
            try (Response response = transport.send(Request.get(server.uri("/")))) {
                assertEquals(body, new String(response.download().readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
    }

    @Test
    void garbageInsteadOfAStatusLineIsAnError() throws Exception {
        try (ScriptedServer server = new ScriptedServer(raw("SSH-2.0-OpenSSH\r\n\r\n"))) {
            IOException e = assertThrows(IOException.class, () -> get(server, "/"));
            assertEquals("not an HTTP/1.x response: 'SSH-2.0-OpenSSH'", e.getMessage());
        }
    }

    @Test
    void conflictingContentLengthsAreRefused() throws Exception {
        try (ScriptedServer server = new ScriptedServer(raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"))) {
            IOException e = assertThrows(IOException.class, () -> get(server, "/"));
            assertEquals("invalid Content-Length '5, 6'", e.getMessage());
        }
    }

    @Test
    void interruptingAReaderEndsItsReadAtOnce() throws Exception {
        try (ScriptedServer server = new ScriptedServer((out, request) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(20_000);
        })) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> failure.set(assertThrows(IOException.class, () -> get(server, "/"))));
            reader.start();
            Thread.sleep(500);
            long start = System.nanoTime();
            reader.interrupt();
            reader.join(5_000);
            assertTrue(!reader.isAlive() && (System.nanoTime() - start) / 1_000_000 < 2_000, "reader still blocked");
            assertTrue(failure.get() instanceof IOException, String.valueOf(failure.get()));
        }
    }

    @Test
    void requestsRefuseHeaderInjection() {
        URI uri = URI.create("http://127.0.0.1/");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Request.get(uri).header("Authorization", "Bearer x\r\nX-Evil: 1"));
        assertEquals("invalid HTTP header 'Authorization'", e.getMessage());
    }

    @Test
    void postsSendTheirBodyWithItsLength() throws Exception {
        try (ScriptedServer server = new ScriptedServer(ok("token"))) {
            byte[] form = "grant_type=refresh_token".getBytes(StandardCharsets.UTF_8);
            try (Response response = transport.send(Request.get(server.uri("/token")).post("application/x-www-form-urlencoded", form))) {
                assertArrayEquals("token".getBytes(StandardCharsets.UTF_8), response.readBody(1024, Duration.ofSeconds(5)));
            }
            String request = server.requests.get(0);
            assertTrue(request.startsWith("POST /token HTTP/1.1\r\n"), request);
            assertTrue(request.contains("\r\nContent-Length: " + form.length + "\r\n"), request);
            assertTrue(request.contains("\r\nContent-Type: application/x-www-form-urlencoded\r\n"), request);
        }
    }
}
