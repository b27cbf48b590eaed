package dev.exporter.remote;

import dev.exporter.image.ContentException;
import dev.exporter.registry.http.RequestBody;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongConsumer;

/**
 * Feeds one blob's upload requests from one open stream: each chunk continues where the last one stopped, and only
 * a chunk that must be sent again (a resend, a resumed upload) opens the content anew at its offset. Progress is
 * reported as bytes go out, taken back when a chunk is sent again. Used by one upload at a time.
 */
final class ChunkReader implements AutoCloseable {

    private static final int BUFFER = 256 * 1024;

    /** The blob's size, or -1 while it is still growing. */
    private final long size;
    private final BlobContent content;
    private final LongConsumer sent;
    private InputStream current;
    private long position;
    private long reported;

    /**
     * @param size the blob's size, or -1 while it is growing (its last byte is then not known as such)
     * @param sent told the bytes that went out, negative for those to be sent again
     */
    ChunkReader(long size, BlobContent content, LongConsumer sent) {
        this.size = size;
        this.content = content;
        this.sent = sent;
    }

    /** A request body for bytes {@code [from, from + length)} of the blob. */
    RequestBody chunk(long from, long length) {
        return new RequestBody() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                write(from, length, out);
            }
        };
    }

    private void write(long from, long length, OutputStream out) throws IOException {
        if (reported > from) {
            sent.accept(from - reported);
            reported = from;
        }
        InputStream in = at(from);
        byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(1, length))];
        long left = length;
        while (left > 0) {
            int n = read(in, buffer, (int) Math.min(buffer.length, left));
            position += n;
            left -= n;
            if (position == size) {
                endOfBlob(in);
            }
            out.write(buffer, 0, n);
            reported += n;
            sent.accept(n);
        }
    }

    /** The stream positioned at {@code offset}: the open one if it is there, else the content opened anew. */
    private InputStream at(long offset) throws IOException {
        if (current != null && position == offset) {
            return current;
        }
        close();
        try {
            current = content.open(offset);
        } catch (IOException | ContentException e) {
            throw source(e);
        }
        position = offset;
        return current;
    }

    private int read(InputStream in, byte[] buffer, int max) throws IOException {
        try {
            int n = in.read(buffer, 0, max);
            if (n < 0) {
                throw new java.io.EOFException("the content ended after " + position + " bytes, before the chunk's end");
            }
            return n;
        } catch (IOException | ContentException e) {
            close();
            throw source(e);
        }
    }

    /** Reads past the last byte, which makes a verifying stream check the digest before that byte is sent. */
    private void endOfBlob(InputStream in) throws IOException {
        try {
            if (in.read() != -1) {
                throw new IOException("the content is longer than its " + size + " bytes");
            }
        } catch (IOException | ContentException e) {
            close();
            throw source(e);
        }
    }

    private static RequestBody.SourceException source(Exception e) {
        return new RequestBody.SourceException(e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    }

    @Override
    public void close() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // a read-only stream has nothing left to lose
            }
            current = null;
        }
    }
}
