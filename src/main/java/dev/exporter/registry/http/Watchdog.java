package dev.exporter.registry.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One daemon thread that looks at every open connection ten times a second and cuts those whose reader has waited
 * past its {@link Pace}. Checking before each read is not enough: a TLS read returns only whole records, however
 * slowly their bytes come, and a read blocks until its bytes come or the read timeout ends it.
 */
final class Watchdog {

    /** Something with a pace to keep. */
    interface Watched {
        /** Cuts the connection if it is overdue at {@code now} ({@link System#nanoTime()}). */
        void check(long now);
    }

    private static final long PERIOD_MILLIS = 100;
    private static final Set<Watched> WATCHED = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private Watchdog() {
    }

    static void watch(Watched watched) {
        WATCHED.add(watched);
        synchronized (Watchdog.class) {
            if (thread == null) {
                thread = new Thread(Watchdog::run, "exporter-http-watchdog");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    static void forget(Watched watched) {
        WATCHED.remove(watched);
    }

    private static void run() {
        while (true) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Watched watched : WATCHED) {
                watched.check(now);
            }
        }
    }
}
