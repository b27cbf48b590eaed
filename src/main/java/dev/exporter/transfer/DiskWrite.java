package dev.exporter.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;

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
            String reason = e instanceof FileSystemException f && f.getReason() != null
                    ? f.getReason() : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UncheckedIOException(action + ": write " + target + ": " + reason, e);
        }
    }
}
