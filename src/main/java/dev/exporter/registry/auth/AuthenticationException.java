package dev.exporter.registry.auth;

/**
 * Authenticating to a registry failed: its token service could not be reached, refused us, or answered something
 * that is not a token. The message starts with {@code authenticate to <registry>} and never contains a secret.
 */
public final class AuthenticationException extends RuntimeException {

    private final int status;
    private final boolean networkFailure;

    /**
     * @param status         the token service's HTTP status, or 0 when there was no answer or no request
     * @param networkFailure the token service could not be reached or its answer not read
     */
    AuthenticationException(String message, int status, boolean networkFailure, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.networkFailure = networkFailure;
    }

    static AuthenticationException network(String message, Throwable cause) {
        return new AuthenticationException(message, 0, true, cause);
    }

    static AuthenticationException answered(String message, int status) {
        return new AuthenticationException(message, status, false, null);
    }

    /** The token service's HTTP status, or 0 when there was no answer (or no request was made). */
    public int status() {
        return status;
    }

    /** Whether the token service could not be reached or its answer not read (as opposed to a "no" or garbage). */
    public boolean networkFailure() {
        return networkFailure;
    }

    /** The token service said no to these credentials (HTTP 401 or 403). */
    public boolean rejected() {
        return status == 401 || status == 403;
    }
}
