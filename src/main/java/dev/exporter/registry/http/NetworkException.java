package dev.exporter.registry.http;

import java.io.IOException;

/**
 * The network failed under an exchange: the connection could not be made, broke or stalled, or the response
 * ended early or was not the one asked for. Unlike a local failure (a full disk), asking again may work, so this
 * is the one I/O failure a registry client retries. Failures reading a response body are turned into these where
 * the body is handed out; a reader of a body may throw one itself for a response it finds cut short.
 */
public class NetworkException extends IOException {

    /** Whether this only tags {@link #getCause()}, an I/O failure of the connection, as the network's. */
    private final boolean tag;

    public NetworkException(String message) {
        super(message);
        this.tag = false;
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
        this.tag = false;
    }

    private NetworkException(IOException failure) {
        super(failure.getMessage() == null || failure.getMessage().isBlank()
                ? failure.getClass().getSimpleName() : failure.getMessage(), failure);
        this.tag = true;
    }

    /** {@code failure}, which came from the network, as a NetworkException: itself if it is one, else tagged. */
    public static NetworkException of(IOException failure) {
        return failure instanceof NetworkException n ? n : new NetworkException(failure);
    }

    /** The failure as the connection reported it: the tagged exception, or this one. */
    public IOException original() {
        return tag ? (IOException) getCause() : this;
    }
}
