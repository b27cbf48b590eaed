package dev.exporter.registry.http;

import java.net.SocketTimeoutException;

/**
 * A server answered too slowly for its {@link Pace}: an answer not complete by its deadline, or a download below the
 * minimum rate. A timeout like any other (worth a retry, or a resumed download), with its own message.
 */
public final class SlowAnswerException extends SocketTimeoutException {

    /** Without the cause: the read a cut connection failed (a TLS one's, say) says nothing but that it was cut. */
    SlowAnswerException(String message) {
        super(message);
    }
}
