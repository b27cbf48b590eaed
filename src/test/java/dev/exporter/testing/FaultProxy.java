package dev.exporter.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A fault-injecting HTTP/1.1 proxy in front of a registry, on {@code 127.0.0.1:<free port>}. Requests pass through
 * unchanged (including {@code Authorization}, {@code Range} and the registry's {@code WWW-Authenticate}) unless a
 * rule added with {@link #when} matches; then the rule's {@link Fault} answers instead: reset the connection
 * mid-body, stall, answer an error status, corrupt or extend the body, ignore {@code Range}, redirect, rewrite
 * JSON. Every connection is closed after one response, so a fault never leaks into the next request.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
 *     proxy.when(FaultProxy.blob(layer.digest())).times(1).respond(FaultProxy.resetAfter(20_000));
 *     ... pull from proxy.hostPort() ...
 *     assertTrue(proxy.requests().stream().anyMatch(r -> r.range() != null));
 * }
 * }</pre>
 *
 * Bounded: stalls and throttled bodies end at {@link #close()} at the latest, sockets time out after
 * {@link #SOCKET_TIMEOUT}, and no fault sleeps longer than {@link #MAX_STALL}.
 */
public final class FaultProxy implements AutoCloseable {

    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    static final Duration MAX_STALL = Duration.ofSeconds(60);
    private static final Set<String> FORWARDED_REQUEST_HEADERS = Set.of("accept", "authorization", "range", "user-agent");
    private static final Set<String> RELAYED_RESPONSE_HEADERS = Set.of("content-type", "docker-content-digest",
            "content-range", "www-authenticate", "location", "retry-after", "docker-distribution-api-version",
            "accept-ranges", "etag");

    /**
     * A request as received, recorded on arrival, with the status the proxy answered (0 while no status line was
     * sent yet) and the name of the rule that handled it (null when it passed through). {@code nanos} is
     * {@link System#nanoTime()} on arrival.
     */
    public record Seen(String method, String path, String range, String authorization, int status, String fault,
                       long nanos) {
    }

    /** A request as the rules see it; header names are lower case. */
    public record Request(String method, String path, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The path without the query. */
        public String rawPath() {
            int q = path.indexOf('?');
            return q < 0 ? path : path.substring(0, q);
        }
    }

    /** An upstream answer, buffered. Header names are lower case. */
    public record Upstream(int status, Map<String, String> headers, byte[] body) {
        public Upstream withBody(byte[] newBody) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.remove("docker-content-digest");
            return new Upstream(status, h, newBody);
        }
    }

    /** What answers a matched request. */
    @FunctionalInterface
    public interface Fault {
        void respond(Exchange exchange) throws IOException;
    }

    private final URI upstream;
    private final ServerSocket server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);

    private FaultProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a proxy forwarding to {@code upstream} ({@code http://host:port}). */
    public static FaultProxy start(URI upstream) {
        try {
            return new FaultProxy(upstream);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start fault proxy", e);
        }
    }

    /** {@code 127.0.0.1:PORT}, for image references. */
    public String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Starts a rule for requests matching {@code match}; it takes effect with {@link RuleBuilder#respond}. */
    public RuleBuilder when(Predicate<Request> match) {
        return new RuleBuilder(match);
    }

    /** Requests received since start or {@link #reset()}, oldest first (TLS probes are not requests). */
    public List<Seen> requests() {
        return exchanges.stream().map(Exchange::seen).toList();
    }

    /** Downloads of {@code digest}'s blob (not reads of its trailer), oldest first. */
    public List<Seen> blobRequests(String digest) {
        return requests().stream().filter(s -> s.path().contains("/blobs/" + digest) && !isTail(s.range())).toList();
    }

    /** Drops all rules and the request record. */
    public void reset() {
        rules.clear();
        exchanges.clear();
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    // ---- matchers ----------------------------------------------------------------------------------------------

    /**
     * {@code GET} of the blob with this digest ({@code sha256:...}) to download it: whole, or its rest with an
     * open-ended {@code Range}. Not the short reads of its last bytes (see {@link #blobTail}).
     */
    public static Predicate<Request> blob(String digest) {
        return r -> r.method().equals("GET") && r.rawPath().endsWith("/blobs/" + digest) && !isTail(r.header("Range"));
    }

    /** {@code GET} of any blob to download it (not a read of its last bytes). */
    public static Predicate<Request> anyBlob() {
        return r -> r.method().equals("GET") && r.rawPath().contains("/blobs/") && !isTail(r.header("Range"));
    }

    /** {@code GET} of a closed byte range of any blob: the exporter reading a gzip trailer for the size it announces. */
    public static Predicate<Request> anyBlobTail() {
        return r -> r.method().equals("GET") && r.rawPath().contains("/blobs/") && isTail(r.header("Range"));
    }

    /** Whether a {@code Range} header asks for a closed range, {@code bytes=a-b}, as reads of a blob's end do. */
    public static boolean isTail(String range) {
        return range != null && range.matches("bytes=\\d+-\\d+");
    }

    /** {@code GET} of any manifest. */
    public static Predicate<Request> manifests() {
        return r -> r.method().equals("GET") && r.rawPath().contains("/manifests/");
    }

    /** Any request. */
    public static Predicate<Request> any() {
        return r -> true;
    }

    // ---- faults ------------------------------------------------------------------------------------------------

    /** Forwards unchanged. */
    public static Fault pass() {
        return ex -> ex.send(ex.forward(ex.request().headers()));
    }

    /**
     * Sends the headers and {@code bytes} body bytes, then resets the connection (TCP RST). It pauses briefly
     * before the reset: Linux drops received-but-unread data when a RST arrives, and the pause lets the client
     * read what was sent, as it would on a real link where the break comes long after the bytes.
     */
    public static Fault resetAfter(long bytes) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            ex.writeHead(up.status(), up.headers(), up.body().length);
            ex.writeBody(up.body(), 0, (int) Math.min(bytes, up.body().length));
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.reset();
        };
    }

    /**
     * Sends the headers and {@code afterBytes} body bytes (or, when negative, nothing at all, not even headers),
     * then sends nothing for {@code duration} before the rest.
     */
    public static Fault stall(long afterBytes, Duration duration) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            if (afterBytes >= 0) {
                ex.writeHead(up.status(), up.headers(), up.body().length);
                ex.writeBody(up.body(), 0, (int) Math.min(afterBytes, up.body().length));
            }
            ex.pause(duration);
            if (afterBytes < 0) {
                ex.writeHead(up.status(), up.headers(), up.body().length);
            }
            int from = (int) Math.max(0, Math.min(afterBytes, up.body().length));
            ex.writeBody(up.body(), from, up.body().length - from);
        };
    }

    /** Answers {@code status} with a distribution-style error body and the given extra headers. */
    public static Fault status(int status, Map<String, String> headers) {
        return ex -> {
            byte[] body = ("{\"errors\":[{\"code\":\"FAULT\",\"message\":\"injected HTTP " + status + "\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            Map<String, String> h = new LinkedHashMap<>();
            h.put("content-type", "application/json");
            headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
            ex.send(new Upstream(status, h, body));
        };
    }

    public static Fault status(int status) {
        return status(status, Map.of());
    }

    /** Answers {@code status} with a body that stops after a few bytes and then sends nothing for {@code duration}. */
    public static Fault statusWithStalledBody(int status, Duration duration) {
        return ex -> {
            ex.writeHead(status, Map.of("content-type", "application/json"), 1000);
            ex.writeBody(utf8("{\"errors\":["), 0, 11);
            ex.pause(duration);
        };
    }

    /** Forwards, then lets {@code edit} change the relayed response headers (names are lower case). */
    public static Fault editHeaders(java.util.function.Consumer<Map<String, String>> edit) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            Map<String, String> headers = new LinkedHashMap<>(up.headers());
            edit.accept(headers);
            ex.send(new Upstream(up.status(), headers, up.body()));
        };
    }

    /** Inverts all bits of the body byte at {@code offset}. */
    public static Fault flipByte(int offset) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            byte[] body = up.body().clone();
            body[offset] ^= (byte) 0xff;
            ex.send(up.withBody(body));
        };
    }

    /** Appends {@code extra} bytes to the body (with a matching {@code Content-Length}). */
    public static Fault extraBytes(int extra) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            byte[] body = java.util.Arrays.copyOf(up.body(), up.body().length + extra);
            ex.send(up.withBody(body));
        };
    }

    /** Forwards without the {@code Range} header, so the whole blob comes back with 200. */
    public static Fault ignoreRange() {
        return ex -> {
            Map<String, String> headers = new LinkedHashMap<>(ex.request().headers());
            headers.remove("range");
            ex.send(ex.forward(headers));
        };
    }

    /** For a {@code Range} request, answers 206 with the whole blob and a {@code Content-Range} starting at 0. */
    public static Fault wrongContentRange() {
        return ex -> {
            Map<String, String> headers = new LinkedHashMap<>(ex.request().headers());
            headers.remove("range");
            Upstream up = ex.forward(headers);
            Map<String, String> h = new LinkedHashMap<>(up.headers());
            h.put("content-range", "bytes 0-" + (up.body().length - 1) + "/" + up.body().length);
            ex.send(new Upstream(206, h, up.body()));
        };
    }

    /** Answers with redirect {@code status} to the same path on {@code host} ({@code http://host:port}). */
    public static Fault redirect(int status, URI host) {
        return ex -> ex.send(new Upstream(status, Map.of("location", host.resolve(ex.request().path()).toString()),
                new byte[0]));
    }

    /**
     * Redirects to the same path on this proxy with {@code ?hop=N+1} until {@code hops} redirects were sent, then
     * forwards; with {@code hops} above the client's limit it is an endless loop for the client.
     */
    public static Fault redirectChain(int hops) {
        return ex -> {
            String path = ex.request().path();
            int q = path.indexOf("?hop=");
            int hop = q < 0 ? 0 : Integer.parseInt(path.substring(q + 5));
            if (hop >= hops) {
                Request r = ex.request();
                ex.send(ex.forward(r.rawPath(), r.headers()));
                return;
            }
            ex.send(new Upstream(302, Map.of("location", ex.request().rawPath() + "?hop=" + (hop + 1)), new byte[0]));
        };
    }

    /**
     * Forwards without {@code Authorization}, so the registry answers 401 with its challenge, as it would for an
     * expired token.
     */
    public static Fault unauthorized() {
        return ex -> {
            Map<String, String> headers = new LinkedHashMap<>(ex.request().headers());
            headers.remove("authorization");
            ex.send(ex.forward(headers));
        };
    }

    /**
     * Replaces the body (and, when not null, the {@code Content-Type}) of a successful upstream answer; other
     * answers (such as the registry's 401 challenge) pass unchanged.
     */
    public static Fault rewrite(UnaryOperator<byte[]> body, String contentType) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            if (up.status() != 200) {
                ex.send(up);
                return;
            }
            Upstream changed = up.withBody(body.apply(up.body()));
            if (contentType != null) {
                changed.headers().put("content-type", contentType);
            }
            ex.send(changed);
        };
    }

    /**
     * Like {@link #rewrite} but without {@code Content-Length}: the body ends when the connection closes, so a
     * client cannot refuse it by its declared size and must cap what it reads.
     */
    public static Fault rewriteUnframed(UnaryOperator<byte[]> body) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            if (up.status() != 200) {
                ex.send(up);
                return;
            }
            byte[] changed = body.apply(up.body());
            ex.writeHead(200, up.withBody(changed).headers(), -1);
            ex.writeBody(changed, 0, changed.length);
        };
    }

    /** Sends the body at about {@code bytesPerSecond}. */
    public static Fault throttle(int bytesPerSecond) {
        return ex -> {
            Upstream up = ex.forward(ex.request().headers());
            ex.writeHead(up.status(), up.headers(), up.body().length);
            int chunk = Math.max(1, bytesPerSecond / 10);
            for (int off = 0; off < up.body().length; off += chunk) {
                ex.writeBody(up.body(), off, Math.min(chunk, up.body().length - off));
                ex.pause(Duration.ofMillis(100));
            }
        };
    }

    // ---- rules -------------------------------------------------------------------------------------------------

    /** Configures when a rule fires: after skipping some matches, for a number of times. */
    public final class RuleBuilder {
        private final Predicate<Request> match;
        private int skip;
        private int times = Integer.MAX_VALUE;

        private RuleBuilder(Predicate<Request> match) {
            this.match = match;
        }

        /** Lets the first {@code n} matching requests through untouched. */
        public RuleBuilder skip(int n) {
            this.skip = n;
            return this;
        }

        /** Fires for {@code n} matching requests, then lets the rest through (default: always). */
        public RuleBuilder times(int n) {
            this.times = n;
            return this;
        }

        /** Activates the rule; {@code name} appears in {@link Seen#fault()}. */
        public FaultProxy respond(String name, Fault fault) {
            rules.add(new Rule(match, skip, times, name, fault));
            return FaultProxy.this;
        }
    }

    private static final class Rule {
        final Predicate<Request> match;
        final int skip;
        final int times;
        final String name;
        final Fault fault;
        final AtomicInteger matched = new AtomicInteger();

        Rule(Predicate<Request> match, int skip, int times, String name, Fault fault) {
            this.match = match;
            this.skip = skip;
            this.times = times;
            this.name = name;
            this.fault = fault;
        }

        /** Whether this rule handles the request; counts it when it matches. */
        boolean claims(Request request) {
            if (!match.test(request)) {
                return false;
            }
            int n = matched.getAndIncrement();
            return n >= skip && n - skip < times;
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                Thread t = new Thread(() -> serve(socket), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout((int) SOCKET_TIMEOUT.toMillis());
            InputStream in = socket.getInputStream();
            Request request = readRequest(in);
            if (request == null) {
                return; // a TLS probe or an empty connection
            }
            Rule rule = rules.stream().filter(r -> r.claims(request)).findFirst().orElse(null);
            Exchange exchange = new Exchange(request, socket, rule == null ? null : rule.name);
            exchanges.add(exchange);
            (rule == null ? pass() : rule.fault).respond(exchange);
        } catch (IOException ignored) {
            // the client went away, or a fault cut the connection: both are expected here
        } catch (RuntimeException e) {
            System.err.println("fault proxy: a fault failed: " + e); // a broken test fault; the client sees a dropped connection
        } finally {
            open.remove(socket);
        }
    }

    /** Reads a request head; null for a connection that does not start with an HTTP request line. */
    private static Request readRequest(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
        }
        return new Request(parts[0], parts[1], headers);
    }

    /** A CRLF-terminated ASCII line; null at end of stream or for something that is no HTTP (a TLS ClientHello). */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if ((b < 0x20 && b != '\r' && b != '\t') || line.size() > 16 * 1024) {
                return null;
            }
            line.write(b);
        }
        return null;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** One request being answered; faults use it to forward upstream and to write (parts of) a response. */
    public final class Exchange {
        private final Request request;
        private final Socket socket;
        private final OutputStream out;
        private final String fault;
        private final long nanos = System.nanoTime();
        private volatile int status;

        private Exchange(Request request, Socket socket, String fault) throws IOException {
            this.request = request;
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.fault = fault;
        }

        Seen seen() {
            return new Seen(request.method(), request.path(), request.header("range"), request.header("authorization"),
                    status, fault, nanos);
        }

        public Request request() {
            return request;
        }

        /** Sends the request upstream with {@code headers} (only the ones a registry needs are copied). */
        public Upstream forward(Map<String, String> headers) throws IOException {
            return forward(request.path(), headers);
        }

        public Upstream forward(String path, Map<String, String> headers) throws IOException {
            HttpRequest.Builder builder = HttpRequest.newBuilder(upstream.resolve(path))
                    .timeout(SOCKET_TIMEOUT)
                    .method(request.method(), HttpRequest.BodyPublishers.noBody());
            headers.forEach((name, value) -> {
                if (FORWARDED_REQUEST_HEADERS.contains(name)) {
                    builder.header(name, value);
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            Map<String, String> relayed = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (RELAYED_RESPONSE_HEADERS.contains(lower) || (request.method().equals("HEAD") && lower.equals("content-length"))) {
                    relayed.put(lower, values.get(0));
                }
            });
            return new Upstream(response.statusCode(), relayed, response.body());
        }

        /** Writes a complete response. */
        public void send(Upstream response) throws IOException {
            writeHead(response.status(), response.headers(), response.body().length);
            writeBody(response.body(), 0, response.body().length);
        }

        /**
         * Writes status line and headers with {@code Content-Length: contentLength} (none when negative: the body
         * then ends with the connection) and {@code Connection: close}.
         */
        public void writeHead(int status, Map<String, String> headers, long contentLength) throws IOException {
            this.status = status;
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
            headers.forEach((name, value) -> {
                if (!name.equals("content-length")) {
                    head.append(name).append(": ").append(value).append("\r\n");
                }
            });
            String length = request.method().equals("HEAD") && headers.containsKey("content-length")
                    ? headers.get("content-length") : String.valueOf(contentLength);
            if (contentLength >= 0 || request.method().equals("HEAD")) {
                head.append("content-length: ").append(length).append("\r\n");
            }
            head.append("connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        public void writeBody(byte[] body, int offset, int length) throws IOException {
            if (!request.method().equals("HEAD") && length > 0) {
                out.write(body, offset, length);
                out.flush();
            }
        }

        /** Resets the connection: the client sees "connection reset" instead of a clean end of stream. */
        public void reset() throws IOException {
            out.flush();
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Waits (bounded by {@link #MAX_STALL}); ends early when the proxy closes. */
        public void pause(Duration duration) throws IOException {
            try {
                Duration d = duration.compareTo(MAX_STALL) > 0 ? MAX_STALL : duration;
                if (closed.await(d.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new SocketException("proxy closed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
