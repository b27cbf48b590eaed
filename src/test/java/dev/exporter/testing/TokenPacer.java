package dev.exporter.testing;

/**
 * The bottleneck of a {@link WanProxy} link: a token bucket kept as the time its queue drains, so reserving n bytes
 * returns when they have left and errors of late wake-ups do not add up. Idle time earns at most one
 * {@link WanProxy#CHUNK} of burst, so the rate holds over any window longer than a chunk's transmission time.
 */
final class TokenPacer {

    private final double nanosPerByte;
    private final long burstNanos;
    private long next = Long.MIN_VALUE / 2;

    /** @param bytesPerSecond the rate; 0 or less for no cap */
    TokenPacer(long bytesPerSecond) {
        this.nanosPerByte = bytesPerSecond > 0 ? 1e9 / bytesPerSecond : 0;
        this.burstNanos = (long) (WanProxy.CHUNK * nanosPerByte);
    }

    /** The {@link System#nanoTime()} at which {@code bytes} asked for at {@code now} have passed. */
    synchronized long reserve(int bytes, long now) {
        if (nanosPerByte == 0) {
            return now;
        }
        next = Math.max(next, now - burstNanos) + (long) (bytes * nanosPerByte);
        return next;
    }
}
