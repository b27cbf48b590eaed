package dev.exporter.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A forward HTTP proxy on loopback, as corporate networks have: {@code CONNECT} tunnels for https and whole-URL
 * (absolute-form) requests for plain HTTP. Whatever host a request names, the proxy connects to 127.0.0.1 at the
 * named port, so clients can use the test registries' name {@link TestHosts#NAME} without resolving it. With a
 * user and password it answers 407 to requests without the matching {@code Proxy-Authorization}. It records the
 * request line that opened each client connection.
 */
public final class TestProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String requiredAuthorization;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-proxy");
        t.setDaemon(true);
        return t;
    });

    private TestProxy(String user, String password) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.requiredAuthorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        threads.execute(this::accept);
    }

    /** A proxy anyone may use. */
    public static TestProxy open() {
        return start(null, null);
    }

    /** A proxy that wants {@code user} and {@code password}. */
    public static TestProxy withPassword(String user, String password) {
        return start(user, password);
    }

    private static TestProxy start(String user, String password) {
        try {
            return new TestProxy(user, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT}, for HTTPS_PROXY and HTTP_PROXY. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The first request line of every connection so far, such as {@code CONNECT registry.test:5000 HTTP/1.1}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] head = readHead(in);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String requestLine = text.substring(0, text.indexOf("\r\n"));
            requests.add(requestLine);
            if (requiredAuthorization != null && !text.contains("\r\nProxy-Authorization: " + requiredAuthorization + "\r\n")) {
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return;
            }
            String[] parts = requestLine.split(" ");
            boolean connect = parts[0].equals("CONNECT");
            int port = connect ? Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1)) : URI.create(parts[1]).getPort();
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), port)) {
                if (connect) {
                    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else {
                    upstream.getOutputStream().write(head); // servers accept the absolute form too
                }
                var toServer = threads.submit(() -> copy(in, upstream));
                copy(upstream.getInputStream(), client);
                toServer.cancel(true);
            }
        } catch (IOException | RuntimeException e) {
            // the client or the upstream went away: nothing to report in a test proxy
        }
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("closed before the end of the request head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static Void copy(InputStream from, Socket to) throws IOException {
        try {
            from.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            to.close();
        }
        return null;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
