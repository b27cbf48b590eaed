package dev.exporter.registry.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * An HTTP response whose body is read straight from the connection. Reading the body to its end hands the
 * connection back for reuse; closing it earlier closes the connection.
 */
public final class Response implements Closeable {

    private final int status;
    private final Headers headers;
    private final Body body;

    Response(int status, Headers headers, Body body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public Headers headers() {
        return headers;
    }

    /**
     * The body. A read that waits longer than the read timeout for the next bytes fails with "connection stalled",
     * and the whole answer must be in by the {@link Pace}'s deadline, however slowly it comes; interrupting the
     * reading thread makes a read fail at once.
     */
    public InputStream body() {
        return body;
    }

    /**
     * The body as a download that may take long (a blob): instead of the deadline, it must keep the {@link Pace}'s
     * minimum rate. Call before reading.
     */
    public InputStream download() {
        body.download();
        return body;
    }

    /**
     * Reads at most {@code limit} bytes of the body within {@code total} (and the deadline), however slowly the
     * server sends them: for small answers, such as tokens, whose whole exchange must be bounded.
     */
    public byte[] readBody(int limit, Duration total) throws IOException {
        return body.readAll(limit, total.toNanos());
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
