package dev.exporter.registry.http;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds every write of a request: a socket's read timeout does not apply to writes, so a server that stops
 * reading an upload would block the sender forever. Each write (and flush) that has not returned within the
 * timeout closes the connection, which ends the blocked write; the caller then sees a {@link SocketTimeoutException}
 * saying so, which is retried like any stalled connection.
 */
final class StalledWriteGuard extends FilterOutputStream {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "exporter-write-timeout");
        t.setDaemon(true);
        return t;
    });

    private final Connection connection;
    private final long timeoutMillis;
    private volatile boolean fired;

    StalledWriteGuard(OutputStream out, Connection connection, long timeoutMillis) {
        super(out);
        this.connection = connection;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        guarded(() -> out.write(b, off, len));
    }

    @Override
    public void flush() throws IOException {
        guarded(out::flush);
    }

    @Override
    public void close() {
        // the connection outlives the request
    }

    private interface Write {
        void run() throws IOException;
    }

    private void guarded(Write write) throws IOException {
        ScheduledFuture<?> alarm = TIMER.schedule(() -> {
            fired = true;
            connection.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            write.run();
        } catch (IOException e) {
            if (fired) {
                SocketTimeoutException stalled = new SocketTimeoutException("the server accepted nothing of the request for "
                        + timeoutMillis / 1000 + " s");
                stalled.initCause(e);
                throw stalled;
            }
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }
}
