package dev.exporter.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A write to local disk during a download. Its failures are the disk's, not the source's, so they leave as
 * {@link UncheckedIOException}: never mistaken for a broken connection and retried with backoff.
 */
@FunctionalInterface
interface DiskWrite<T> {

    T run() throws IOException;

    /** Runs {@code write}; a failure says {@code action: write TARGET: reason}. */
    static <T> T run(String action, Object target, DiskWrite<T> write) {
        try {
            return write.run();
        } catch (IOException e) {
            throw new UncheckedIOException(action + ": write " + target + ": " + FileErrors.reason(e), e);
        }
    }
}
