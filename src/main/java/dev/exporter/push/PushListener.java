package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.transfer.ProgressListener;

/** Hears what a push does; thread-safe, as blobs go up concurrently. */
public interface PushListener extends ProgressListener {

    PushListener NONE = new PushListener() { };

    /** {@code blob} was not sent: the registry had it ({@code Layer already exists}) or mounted it. */
    default void skipped(Descriptor blob, String why) {
    }

    /** Something the user should know that does not stop the push (an index pushed with fewer platforms). */
    default void warning(String message) {
    }
}
