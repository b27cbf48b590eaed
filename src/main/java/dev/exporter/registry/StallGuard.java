package dev.exporter.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Aborts response bodies that deliver no bytes for longer than a timeout. The JDK's HTTP client has no read
 * timeout for bodies, so one daemon thread watches every open body and closes the stalled ones, which makes the
 * blocked read fail instead of hanging forever.
 */
final class StallGuard {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "exporter-stall-watchdog");
        t.setDaemon(true);
        return t;
    });
    private static final Set<Guarded> OPEN = ConcurrentHashMap.newKeySet();

    static {
        WATCHDOG.scheduleWithFixedDelay(StallGuard::check, 250, 250, TimeUnit.MILLISECONDS);
    }

    private StallGuard() {
    }

    static InputStream guard(InputStream body, Duration timeout) {
        Guarded guarded = new Guarded(body, timeout.toNanos());
        OPEN.add(guarded);
        return guarded;
    }

    private static void check() {
        long now = System.nanoTime();
        for (Guarded g : OPEN) {
            if (now - g.lastProgress > g.timeoutNanos) {
                g.stalled = true;
                g.abort();
            }
        }
    }

    private static final class Guarded extends FilterInputStream {
        private final long timeoutNanos;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;

        Guarded(InputStream in, long timeoutNanos) {
            super(in);
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public int read() throws IOException {
            try {
                return progressed(in.read());
            } catch (IOException e) {
                throw stalled ? stalledError() : e;
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            try {
                return progressed(in.read(buf, off, len));
            } catch (IOException e) {
                throw stalled ? stalledError() : e;
            }
        }

        private int progressed(int result) throws IOException {
            if (stalled) {
                throw stalledError();
            }
            lastProgress = System.nanoTime();
            return result;
        }

        private IOException stalledError() {
            return new IOException("connection stalled: no data for " + timeoutNanos / 1_000_000_000 + " s");
        }

        void abort() {
            OPEN.remove(this);
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is how we interrupt the blocked reader; its failure changes nothing
            }
        }

        @Override
        public void close() throws IOException {
            OPEN.remove(this);
            super.close();
        }
    }
}
