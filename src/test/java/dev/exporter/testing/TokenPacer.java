package dev.exporter.testing;

/**
 * The bottleneck of a {@link WanProxy} link: a token bucket kept as the time its queue drains, so reserving n bytes
 * returns when they have left and errors of late wake-ups do not add up. Idle time earns at most
 * {@link WanProxy#BURST} bytes of credit: enough that a sender woken a few ms late (a busy 2-core machine) catches
 * up instead of losing rate, little enough that the rate holds over any window much longer than BURST / rate.
 */
final class TokenPacer {

    private final double nanosPerByte;
    private final long burstNanos;
    private long next = Long.MIN_VALUE / 2;

    /** @param bytesPerSecond the rate; 0 or less for no cap */
    TokenPacer(long bytesPerSecond) {
        this.nanosPerByte = bytesPerSecond > 0 ? 1e9 / bytesPerSecond : 0;
        this.burstNanos = (long) (WanProxy.BURST * nanosPerByte);
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
