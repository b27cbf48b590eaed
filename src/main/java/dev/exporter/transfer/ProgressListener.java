package dev.exporter.transfer;

import dev.exporter.image.Descriptor;

/** Hears about blob transfers; implementations must be thread-safe (downloads run concurrently). */
public interface ProgressListener {

    ProgressListener NONE = new ProgressListener() { };

    /** A blob is about to be fetched; {@code cached} when it is already present and will not be downloaded. */
    default void started(Descriptor blob, boolean cached) {
    }

    /** {@code bytes} more bytes of {@code blob} arrived (negative when a restarted download discards bytes). */
    default void transferred(Descriptor blob, long bytes) {
    }

    default void finished(Descriptor blob) {
    }
}
