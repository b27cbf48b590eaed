package dev.exporter.registry.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** One open TCP (or TLS) connection to an origin, used by one exchange at a time. */
final class Connection implements Closeable {

    private static final int READ_BUFFER = 64 * 1024;
    private static final int MAX_LINE = 16 * 1024;

    final String origin;
    /** The forward proxy plain-HTTP requests on this connection go through, or null. */
    final HttpProxy forwardProxy;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Connection(String origin, Socket socket, HttpProxy forwardProxy) throws IOException {
        this.origin = origin;
        this.forwardProxy = forwardProxy;
        this.socket = socket;
        // Reads at least as large as the buffer go straight into the caller's array.
        this.in = new BufferedInputStream(socket.getInputStream(), READ_BUFFER);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
    }

    void timeout(long millis) throws SocketException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, millis)));
    }

    OutputStream out() {
        return out;
    }

    int read(byte[] buf, int off, int len) throws IOException {
        return in.read(buf, off, len);
    }

    /** A header or chunk-size line without its line end (CRLF, or a bare LF as most clients accept). */
    String readLine() throws IOException {
        return readLine(in);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException(line.isEmpty() ? "connection closed by the server" : "connection closed in the middle of a header line");
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("header line longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do with a connection that will not close cleanly
        }
    }
}
