package dev.exporter.registry.http;

import java.time.Duration;

/**
 * How slowly a server may answer, beyond the read timeout's bound on silence: a server that sends one byte just
 * before each read timeout would otherwise hold a request forever. A response head, and the body of a small answer
 * (manifest, token, config, tag page, error body), must be complete within {@code deadline} of the request being
 * sent; a download's body must bring at least {@code minRate} bytes a second over each {@code window} of time spent
 * waiting for it (time its reader spends elsewhere, writing to disk, does not count).
 *
 * @param minRate bytes per second a download must average over a window; 0 for no minimum
 */
public record Pace(Duration deadline, long minRate, Duration window) {

    /** Generous enough for a 4 MiB manifest over a slow link, or a download on a congested one. */
    public static final Pace DEFAULT = new Pace(Duration.ofSeconds(300), 1024, Duration.ofSeconds(60));

    public Pace {
        if (deadline.isNegative() || deadline.isZero() || window.isNegative() || window.isZero() || minRate < 0) {
            throw new IllegalArgumentException("invalid pace: deadline " + deadline + ", " + minRate + " bytes/s over " + window);
        }
    }

    /** The fewest bytes a download must bring in one window. */
    long minBytesPerWindow() {
        try {
            return Math.multiplyExact(minRate, window.toMillis()) / 1000;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
