package dev.exporter.registry;

import dev.exporter.registry.http.NetworkException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A response body as endpoints read it: every read failure is a {@link NetworkException}, so that
 * {@link RetryRule} can tell it from the handler's own failures (writing a file) however the handler passes it on.
 */
final class ResponseBody extends FilterInputStream {

    ResponseBody(InputStream body) {
        super(body);
    }

    @Override
    public int read() throws IOException {
        try {
            return in.read();
        } catch (IOException e) {
            throw NetworkException.of(e);
        }
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        try {
            return in.read(buf, off, len);
        } catch (IOException e) {
            throw NetworkException.of(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return in.skip(n);
        } catch (IOException e) {
            throw NetworkException.of(e);
        }
    }

    @Override
    public int available() throws IOException {
        try {
            return in.available();
        } catch (IOException e) {
            throw NetworkException.of(e);
        }
    }
}
