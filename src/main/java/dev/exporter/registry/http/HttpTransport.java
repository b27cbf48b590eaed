package dev.exporter.registry.http;

import dev.exporter.text.Printable;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A small blocking HTTP/1.1 client: one request per call on a kept-alive connection, the response body read
 * straight from the socket. Registries need nothing more (no HTTP/2, no cookies), and a blocking read into the
 * caller's buffer is much cheaper per byte and at start-up than the JDK's asynchronous {@code java.net.http}
 * client, which scripts/bench showed as a large part of an export's CPU time. Requests go through an HTTP proxy
 * when {@link Proxies} says so: https ones in a {@code CONNECT} tunnel, plain-HTTP ones in absolute form.
 *
 * <p>Connections are {@link SocketChannel} sockets, so interrupting a thread blocked in a read fails that read
 * at once; every read waits at most the read timeout. Redirects, authentication and retries are the caller's.
 */
public final class HttpTransport implements Closeable {

    private static final int MAX_IDLE_PER_ORIGIN = 8;
    private static final int MAX_HEADERS = 256;
    /** Interim (1xx) answers skipped before the real one; a server sending them forever is not answering. */
    private static final int MAX_INTERIM = 32;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] [0-9]{3}( .*)?");
    private static final Pattern LENGTH = Pattern.compile("[0-9]{1,18}");

    private final Supplier<SSLContext> tlsSetUp;
    private volatile SSLContext tls;
    private final boolean verifyHostnames;
    private final Proxies proxies;
    private final long connectTimeoutMillis;
    private final long readTimeoutMillis;
    private final Pace pace;
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
    /**
     * Sockets connected to a host:port before its scheme was known ({@link #preconnectTcp}): nothing has been sent
     * on them, so {@link #openConnected} can make a plain or a TLS connection of each.
     */
    private final Map<String, Deque<Socket>> connected = new ConcurrentHashMap<>();
    /** Per origin, the quickest answer seen so far to a request without a body, in nanoseconds. */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> quickest = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param tls             how https connections are set up; asked once, at the first https connection, because
     *                        setting TLS up costs a noticeable part of a small export's run time and plain-HTTP
     *                        registries never need it
     * @param verifyHostnames check that certificates name the host (off only together with a trust-all context)
     * @param proxies         which requests go through a proxy
     * @param readTimeout     the longest wait for the next bytes of an answer
     * @param pace            how slowly a whole answer may come however often its bytes do
     */
    public HttpTransport(Supplier<SSLContext> tls, boolean verifyHostnames, Proxies proxies, Duration connectTimeout,
                         Duration readTimeout, Pace pace) {
        this.tlsSetUp = tls;
        this.verifyHostnames = verifyHostnames;
        this.proxies = proxies;
        this.connectTimeoutMillis = connectTimeout.toMillis();
        this.readTimeoutMillis = readTimeout.toMillis();
        this.pace = pace;
    }

    /**
     * Sends {@code request} and reads the response head. A kept-alive connection that turns out to be closed by
     * the server is replaced once by a new one.
     */
    public Response send(Request request) throws IOException {
        HttpProxy proxy = proxies.forUri(request.uri());
        String origin = Origin.of(request.uri()) + (proxy == null ? "" : " via " + proxy);
        Deque<Connection> pool = idle.get(origin);
        Connection pooled = pool == null ? null : pool.pollLast();
        Response answer = pooled == null ? null : exchangeUnlessStale(pooled, request);
        if (answer != null) {
            return answer;
        }
        Connection early = proxy == null ? openConnected(request.uri(), origin) : null;
        answer = early == null ? null : exchangeUnlessStale(early, request);
        if (answer != null) {
            return answer;
        }
        Connection fresh = open(request.uri(), origin, proxy);
        try {
            return exchange(fresh, request);
        } catch (IOException | RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    /**
     * {@code request} on a connection opened earlier (idle, or connected before the scheme was known), which the
     * server may have closed meanwhile; null when it failed so, and the request is to be tried once more on a new one.
     */
    private Response exchangeUnlessStale(Connection connection, Request request) throws IOException {
        try {
            return exchange(connection, request);
        } catch (IOException e) {
            connection.close();
            if (e instanceof InterruptedIOException || e instanceof RequestBody.SourceException
                    || Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return null;
        }
    }

    /**
     * The quickest answer {@code uri}'s origin has given so far (from a request's last byte sent to the answer's first
     * byte, for requests without a body: one round trip and the server's own time), or null before any: how far away
     * the server is.
     */
    public Duration quickestAnswer(URI uri) {
        java.util.concurrent.atomic.AtomicLong nanos = quickest.get(Origin.of(uri).toString());
        return nanos == null ? null : Duration.ofNanos(nanos.get());
    }

    /**
     * Opens connections to {@code uri}'s origin in the background until {@code count} are open or idle there, and
     * keeps them idle for the next requests: a round of concurrent downloads then waits for no connect (nor TLS
     * handshake). Nothing is sent on them. Best effort: a connection that fails is not reported. Not through a
     * proxy: it would see tunnels asked for that no request uses, and its refusal belongs to the request that needs it.
     */
    public void preconnect(URI uri, int count) {
        if (proxies.forUri(uri) != null) {
            return;
        }
        String origin = Origin.of(uri).toString();
        Deque<Connection> pool = idle.get(origin);
        int missing = Math.min(count, MAX_IDLE_PER_ORIGIN) - (pool == null ? 0 : pool.size());
        for (int i = 0; i < missing; i++) {
            inBackground(() -> {
                Connection early = openConnected(uri, origin);
                release(early != null ? early : open(uri, origin, null), true);
            });
        }
    }

    private interface Opening {
        void run() throws IOException;
    }

    /**
     * Runs {@code opening} on a daemon thread of its own, best effort: a connection that fails is not reported, since
     * the request that needs one opens its own and reports what fails.
     */
    private static void inBackground(Opening opening) {
        Thread opener = new Thread(() -> {
            try {
                opening.run();
            } catch (IOException | RuntimeException e) {
                // the request that needs a connection opens its own and reports what fails
            }
        }, "exporter-connect");
        opener.setDaemon(true);
        opener.start();
    }

    /**
     * Connects {@code count} TCP sockets to {@code uri}'s host and port in the background, sending nothing, for
     * {@link #preconnect} and {@link #send} to take whatever the scheme turns out to be: while a loopback or insecure
     * registry's scheme is probed, the connections the downloads will use need not wait for the answer to start their
     * handshakes. Not through a proxy.
     */
    public void preconnectTcp(URI uri, int count) {
        if (proxies.forUri(uri) != null || proxies.forUri(otherScheme(uri)) != null) {
            return;
        }
        Origin target = Origin.of(uri);
        Deque<Socket> sockets = connected.computeIfAbsent(target.host() + ":" + target.port(),
                k -> new ConcurrentLinkedDeque<>());
        for (int i = 0; i < Math.min(count, MAX_IDLE_PER_ORIGIN); i++) {
            inBackground(() -> {
                Socket socket = SocketChannel.open().socket();
                try {
                    connect(socket, new InetSocketAddress(addresses(target.host(), null)[0], target.port()), null);
                    socket.setTcpNoDelay(true);
                } catch (IOException | RuntimeException e) {
                    socket.close();
                    throw e;
                }
                sockets.offerLast(socket);
                if (closed) {
                    closeConnected();
                }
            });
        }
    }

    private static URI otherScheme(URI uri) {
        return URI.create((uri.getScheme().equals("https") ? "http" : "https") + uri.toString().substring(uri.getScheme().length()));
    }

    /**
     * A connection to {@code uri}'s origin made of a socket {@link #preconnectTcp} connected (with the TLS handshake
     * for https), or null when there is none or it fails: then a new connection is opened, and reports what fails.
     */
    private Connection openConnected(URI uri, String origin) {
        Origin target = Origin.of(uri);
        Socket socket = takeConnected(target.host(), target.port());
        if (socket == null) {
            return null;
        }
        try {
            boolean https = target.scheme().equals("https");
            return new Connection(origin, https ? handshake(socket, target.host(), target.port()) : socket, socket, null, pace);
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // it failed already
            }
            return null;
        }
    }

    /** A socket {@link #preconnectTcp} connected to {@code host:port} that is still open, or null. */
    private Socket takeConnected(String host, int port) {
        Deque<Socket> sockets = connected.get(host + ":" + port);
        for (Socket socket; sockets != null && (socket = sockets.pollFirst()) != null; ) {
            if (!socket.isClosed() && socket.isConnected()) {
                return socket;
            }
        }
        return null;
    }

    private void closeConnected() {
        for (Deque<Socket> sockets : connected.values()) {
            for (Socket socket; (socket = sockets.pollFirst()) != null; ) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // never used: nothing to finish
                }
            }
        }
    }

    private Response exchange(Connection connection, Request request) throws IOException {
        connection.timeout(readTimeoutMillis);
        long sent = System.nanoTime();
        writeRequest(connection, request);
        connection.awaitAnswer();
        for (int interim = 0; ; interim++) {
            if (interim > MAX_INTERIM) {
                throw new IOException("more than " + MAX_INTERIM + " interim (1xx) answers");
            }
            String statusLine = connection.readLine();
            if (interim == 0 && request.body() == null) {
                long took = System.nanoTime() - sent;
                quickest.computeIfAbsent(Origin.of(request.uri()).toString(),
                        o -> new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE)).accumulateAndGet(took, Math::min);
            }
            if (!STATUS_LINE.matcher(statusLine).matches()) {
                throw new IOException("not an HTTP/1.x response: '" + Printable.fragment(statusLine, 100) + "'");
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            Map<String, List<String>> fields = readFields(connection);
            if (status >= 100 && status < 200) {
                continue; // informational answers (100 Continue) precede the real one
            }
            if (status == 407 && connection.forwardProxy != null) {
                throw proxyAuthenticationRequired(connection.forwardProxy);
            }
            Headers headers = new Headers(fields);
            boolean reusable = statusLine.startsWith("HTTP/1.1") && headers.allValues("connection").stream()
                    .noneMatch(v -> v.toLowerCase(Locale.ROOT).contains("close"));
            return new Response(status, headers, body(connection, request, status, headers, reusable));
        }
    }

    private Body body(Connection connection, Request request, int status, Headers headers, boolean reusable)
            throws IOException {
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            return new Body(connection, Body.Framing.LENGTH, 0, reusable, readTimeoutMillis, this::release);
        }
        List<String> encodings = headers.allValues("transfer-encoding");
        if (!encodings.isEmpty()) {
            boolean chunked = encodings.get(encodings.size() - 1).toLowerCase(Locale.ROOT).trim().endsWith("chunked");
            return new Body(connection, chunked ? Body.Framing.CHUNKED : Body.Framing.UNTIL_CLOSE, -1, reusable,
                    readTimeoutMillis, this::release);
        }
        List<String> lengths = headers.allValues("content-length");
        if (lengths.isEmpty()) {
            return new Body(connection, Body.Framing.UNTIL_CLOSE, -1, reusable, readTimeoutMillis, this::release);
        }
        String length = lengths.get(0).trim();
        if (!LENGTH.matcher(length).matches() || lengths.stream().anyMatch(l -> !l.trim().equals(length))) {
            throw new IOException("invalid Content-Length '" + Printable.fragment(String.join(", ", lengths), 100) + "'");
        }
        return new Body(connection, Body.Framing.LENGTH, Long.parseLong(length), reusable, readTimeoutMillis, this::release);
    }

    /** Header (or trailer) fields up to the empty line that ends them, at most {@link #MAX_HEADERS}. */
    static Map<String, List<String>> readFields(Connection connection) throws IOException {
        Map<String, List<String>> fields = new HashMap<>();
        for (int count = 0; ; count++) {
            String line = connection.readLine();
            if (line.isEmpty()) {
                return fields;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || count >= MAX_HEADERS) {
                throw new IOException(count >= MAX_HEADERS ? "more than " + MAX_HEADERS + " header fields"
                        : "malformed header line '" + Printable.fragment(line, 100) + "'");
            }
            fields.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
    }

    private static void writeRequest(Connection connection, Request request) throws IOException {
        URI uri = request.uri();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        // the Host field and a proxy's absolute form carry the port only when the URL does
        String authority = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        HttpProxy proxy = connection.forwardProxy;
        StringBuilder head = new StringBuilder(256).append(request.method()).append(' ')
                // a forward proxy gets the whole URL (absolute form), an origin server only the path
                .append(proxy == null ? "" : "http://" + authority).append(path)
                .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(authority).append("\r\n");
        if (proxy != null && proxy.authorization() != null) {
            head.append("Proxy-Authorization: ").append(proxy.authorization()).append("\r\n");
        }
        OutputStream out = connection.out();
        for (Map.Entry<String, String> header : request.headers()) {
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        if (request.body() != null) {
            head.append("Content-Length: ").append(request.body().length()).append("\r\n");
        }
        out.write(Connection.ascii(head.append("\r\n").toString()));
        if (request.body() != null) {
            request.body().writeTo(out);
        }
        out.flush();
    }

    private Connection open(URI uri, String origin, HttpProxy proxy) throws IOException {
        Origin target = Origin.of(uri);
        String host = target.host();
        int port = target.port();
        boolean https = target.scheme().equals("https");
        IOException failure = null;
        for (InetAddress address : addresses(proxy == null ? host : proxy.host(), proxy)) {
            SocketChannel channel = SocketChannel.open();
            Socket socket = channel.socket();
            try {
                connect(socket, new InetSocketAddress(address, proxy == null ? port : proxy.port()), proxy);
                socket.setTcpNoDelay(true);
                if (proxy != null && https) {
                    tunnel(socket, proxy, host, port);
                }
                Socket tcp = socket;
                if (https) {
                    socket = handshake(socket, host, port);
                }
                return new Connection(origin, socket, tcp, proxy != null && !https ? proxy : null, pace);
            } catch (IOException e) {
                socket.close();
                if (e instanceof InterruptedIOException || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                failure = failure == null ? e : failure;
                if (e instanceof javax.net.ssl.SSLException || (e instanceof ProxyException p && p.refused())) {
                    throw e; // the host answered: another of its addresses will not answer otherwise
                }
            }
        }
        throw failure != null ? failure : new IOException("no address for " + host);
    }

    private static InetAddress[] addresses(String host, HttpProxy proxy) throws IOException {
        try {
            return InetAddress.getAllByName(host);
        } catch (java.net.UnknownHostException e) {
            if (proxy == null) {
                throw e;
            }
            throw new ProxyException("unknown proxy host " + proxy.host(), false, e);
        }
    }

    private void connect(Socket socket, InetSocketAddress address, HttpProxy proxy) throws IOException {
        try {
            socket.connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis));
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (proxy == null) {
                throw e;
            }
            throw new ProxyException("cannot connect to proxy " + proxy + ": "
                    + (e instanceof java.net.SocketTimeoutException ? "timed out" : e.getMessage()), false, e);
        }
    }

    /**
     * Asks the proxy for a tunnel to {@code host:port}. Its answer is read byte by byte, so that nothing after it
     * (the TLS server's first bytes) is taken from the socket.
     */
    private void tunnel(Socket socket, HttpProxy proxy, String host, int port) throws IOException {
        String authority = Origin.authority(host, port);
        StringBuilder connect = new StringBuilder("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ")
                .append(authority).append("\r\n");
        if (proxy.authorization() != null) {
            connect.append("Proxy-Authorization: ").append(proxy.authorization()).append("\r\n");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(connectTimeoutMillis, readTimeoutMillis)));
        OutputStream out = socket.getOutputStream();
        out.write(Connection.ascii(connect.append("\r\n").toString()));
        out.flush();
        InputStream in = socket.getInputStream();
        String statusLine;
        try {
            statusLine = Connection.readLine(in);
            while (!Connection.readLine(in).isEmpty()) {
                // the answer's header fields say nothing a tunnel needs
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new ProxyException("proxy " + proxy + " did not answer CONNECT " + authority, false, e);
        } catch (IOException e) {
            throw new ProxyException("proxy " + proxy + " closed the connection instead of answering CONNECT "
                    + authority, false, e);
        }
        if (!STATUS_LINE.matcher(statusLine).matches()) {
            throw new ProxyException("proxy " + proxy + " answered CONNECT with '" + Printable.fragment(statusLine, 100) + "'",
                    false, null);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        if (status == 407) {
            throw proxyAuthenticationRequired(proxy);
        }
        if (status < 200 || status >= 300) {
            throw new ProxyException("proxy " + proxy + " refused a tunnel to " + authority + " (HTTP " + status + ")",
                    true, null);
        }
    }

    private static ProxyException proxyAuthenticationRequired(HttpProxy proxy) {
        return new ProxyException("proxy " + proxy + " requires authentication (HTTP 407)" + (proxy.authorization() == null
                ? ": put user:password@ in the proxy URL" : ": it rejected the user and password in the proxy URL"),
                true, null);
    }

    private Socket handshake(Socket socket, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) tls().getSocketFactory().createSocket(socket, host, port, true);
        if (verifyHostnames) {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(parameters);
        }
        ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(connectTimeoutMillis, readTimeoutMillis)));
        // Handshake records could come a byte at a time too: the deadline bounds the whole handshake.
        long deadline = System.nanoTime() + pace.deadline().toNanos();
        AtomicBoolean cut = new AtomicBoolean();
        Watchdog.Watched guard = now -> {
            if (now - deadline >= 0 && cut.compareAndSet(false, true)) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the handshake fails either way
                }
            }
        };
        Watchdog.watch(guard);
        try {
            ssl.startHandshake();
        } catch (IOException e) {
            if (cut.get()) {
                throw new SlowAnswerException("TLS handshake with " + Origin.authority(host, port) + " still incomplete after "
                        + pace.deadline().toSeconds() + " s (sent too slowly)");
            }
            throw e;
        } finally {
            Watchdog.forget(guard);
        }
        return ssl;
    }

    private SSLContext tls() {
        SSLContext context = tls;
        if (context == null) {
            synchronized (this) {
                if (tls == null) {
                    tls = tlsSetUp.get();
                }
                context = tls;
            }
        }
        return context;
    }

    private void release(Connection connection, boolean reusable) {
        if (!reusable || closed) {
            connection.close();
            return;
        }
        Deque<Connection> pool = idle.computeIfAbsent(connection.origin, k -> new ConcurrentLinkedDeque<>());
        pool.offerLast(connection);
        while (pool.size() > MAX_IDLE_PER_ORIGIN) {
            Connection oldest = pool.pollFirst();
            if (oldest != null) {
                oldest.close();
            }
        }
        if (closed) {
            close();
        }
    }

    /** Closes the idle connections; connections in use close when their bodies are done. */
    @Override
    public void close() {
        closed = true;
        closeConnected();
        for (Deque<Connection> pool : idle.values()) {
            for (Connection c; (c = pool.pollFirst()) != null; ) {
                c.close();
            }
        }
    }
}
