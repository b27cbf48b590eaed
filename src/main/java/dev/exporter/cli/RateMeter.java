package dev.exporter.cli;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/** Bytes per second over the last few seconds, from samples the drawing side takes. */
final class RateMeter {

    static final long WINDOW = TimeUnit.SECONDS.toNanos(3);
    static final long MIN_SPAN = TimeUnit.MILLISECONDS.toNanos(500);

    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    void add(long now, long bytes) {
        samples.addLast(new long[] {now, bytes});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW) {
            samples.removeFirst();
        }
    }

    /** 0 until the samples span long enough to mean something; never negative (restarts discard bytes). */
    double perSecond() {
        if (samples.size() < 2) {
            return 0;
        }
        long[] first = samples.peekFirst();
        long[] last = samples.peekLast();
        long span = last[0] - first[0];
        return span < MIN_SPAN ? 0 : Math.max(0, (last[1] - first[1]) * 1e9 / span);
    }
}
