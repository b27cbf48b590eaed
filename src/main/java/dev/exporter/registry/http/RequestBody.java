package dev.exporter.registry.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * What a request sends after its head, with a {@code Content-Length}: a few bytes (a token form, a manifest) or a
 * blob streamed from a file. A body may be written more than once (a kept-alive connection that the server had
 * closed is replaced and the request sent again), so each call writes it from its start.
 */
public interface RequestBody {

    /** How many bytes {@link #writeTo} writes. */
    long length();

    /** Writes exactly {@link #length()} bytes, from the start, each time it is called. */
    void writeTo(OutputStream out) throws IOException;

    /**
     * The body's own content could not be read (a damaged or unreadable file): not the network's fault, so the
     * request is neither sent again on another connection nor retried.
     */
    final class SourceException extends IOException {
        public SourceException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A body of {@code bytes} (copied). */
    static RequestBody of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new RequestBody() {
            @Override
            public long length() {
                return copy.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(copy);
            }
        };
    }
}
