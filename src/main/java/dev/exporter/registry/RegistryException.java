package dev.exporter.registry;

/**
 * A registry operation that failed. The message always starts with what was being done to what,
 * e.g. {@code pull manifest docker.io/library/alpine:3.99: tag not found}, and never contains a secret.
 */
public class RegistryException extends RuntimeException {

    /** Why it failed, so callers can decide about retries and hints without parsing messages. */
    public enum Kind { NOT_FOUND, UNAUTHORIZED, DENIED, TOO_MANY_REQUESTS, SERVER_ERROR, NETWORK, INVALID_CONTENT, PROTOCOL }

    private final Kind kind;
    private final int status;

    public RegistryException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
    }

    public RegistryException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when no response was received. */
    public int status() {
        return status;
    }
}
