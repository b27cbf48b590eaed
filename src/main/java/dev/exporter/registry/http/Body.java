package dev.exporter.registry.http;

import dev.exporter.text.Printable;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * A response body read from its connection in one of HTTP/1.1's three framings: a {@code Content-Length}, chunks,
 * or everything until the server closes. Reading to the end hands the connection back through {@code release}
 * (for reuse when {@code reusable}); closing earlier closes it.
 */
final class Body extends InputStream {

    enum Framing { LENGTH, CHUNKED, UNTIL_CLOSE }

    private static final Pattern HEX = Pattern.compile("[0-9A-Fa-f]{1,15}");

    private final Connection connection;
    private final Framing framing;
    private final boolean reusable;
    private final BiConsumer<Connection, Boolean> release;
    private final long readTimeoutMillis;
    private final long declared;
    /** Bytes left in the body (LENGTH) or in the current chunk (CHUNKED; -1 before the first chunk). */
    private long remaining;
    private long received;
    private boolean done;
    private boolean closed;

    Body(Connection connection, Framing framing, long length, boolean reusable, long readTimeoutMillis,
         BiConsumer<Connection, Boolean> release) {
        this.connection = connection;
        this.framing = framing;
        this.declared = length;
        this.remaining = framing == Framing.CHUNKED ? -1 : length;
        this.reusable = reusable && framing != Framing.UNTIL_CLOSE;
        this.readTimeoutMillis = readTimeoutMillis;
        this.release = release;
        if (framing == Framing.LENGTH && length == 0) {
            finish();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("response body already closed");
        }
        if (done) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        try {
            return switch (framing) {
                case LENGTH -> readLength(buf, off, len);
                case CHUNKED -> readChunked(buf, off, len);
                case UNTIL_CLOSE -> readUntilClose(buf, off, len);
            };
        } catch (SlowAnswerException e) {
            throw e;
        } catch (SocketTimeoutException e) {
            throw stalled(e);
        }
    }

    private int readLength(byte[] buf, int off, int len) throws IOException {
        int n = connection.read(buf, off, (int) Math.min(len, remaining));
        if (n == -1) {
            throw new IOException("connection closed after " + received + " of " + declared + " bytes");
        }
        received += n;
        remaining -= n;
        if (remaining == 0) {
            finish();
        }
        return n;
    }

    private int readChunked(byte[] buf, int off, int len) throws IOException {
        if (remaining <= 0) {
            if (remaining == 0 && !connection.readLine().isEmpty()) {
                throw new IOException("malformed chunked body: no line end after a chunk");
            }
            remaining = chunkSize(connection.readLine());
            if (remaining == 0) {
                HttpTransport.readFields(connection); // trailer fields: not used, but capped like header fields
                finish();
                return -1;
            }
        }
        int n = connection.read(buf, off, (int) Math.min(len, remaining));
        if (n == -1) {
            throw new IOException("connection closed in the middle of a chunk after " + received + " bytes");
        }
        received += n;
        remaining -= n;
        return n;
    }

    private static long chunkSize(String line) throws IOException {
        int end = line.indexOf(';');
        String hex = (end == -1 ? line : line.substring(0, end)).trim();
        if (!HEX.matcher(hex).matches()) {
            throw new IOException("malformed chunked body: bad chunk size '" + Printable.fragment(hex, 20) + "'");
        }
        return Long.parseLong(hex, 16);
    }

    private int readUntilClose(byte[] buf, int off, int len) throws IOException {
        int n = connection.read(buf, off, len);
        if (n == -1) {
            finish();
        } else {
            received += n;
        }
        return n;
    }

    private void finish() {
        done = true;
        release.accept(connection, reusable);
    }

    private IOException stalled(SocketTimeoutException e) {
        return new IOException("connection stalled: no data for " + Math.max(1, readTimeoutMillis / 1000) + " s", e);
    }

    /** See {@link Response#readBody}. */
    byte[] readAll(int limit, long totalNanos) throws IOException {
        if (!done) {
            connection.deadlineWithin(totalNanos);
        }
        return readNBytes(limit);
    }

    /** See {@link Response#download}. */
    void download() {
        if (!done) {
            connection.download();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (!done) {
                done = true;
                connection.close();
            }
        }
    }
}
