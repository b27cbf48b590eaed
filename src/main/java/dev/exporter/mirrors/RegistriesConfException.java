package dev.exporter.mirrors;

/**
 * registries.conf could not be read or used: a missing, unreadable or damaged file, or a rewrite that does not give
 * a valid reference. The message is one line naming the file and, when known, the line, e.g.
 * {@code read /etc/containers/registries.conf: line 7: ...}.
 */
public class RegistriesConfException extends RuntimeException {

    public RegistriesConfException(String message) {
        super(message);
    }

    public RegistriesConfException(String message, Throwable cause) {
        super(message, cause);
    }
}
