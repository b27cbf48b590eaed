package dev.exporter.registry.auth;

/**
 * Credentials could not be read, found or stored: a broken auth file, a missing or failing credential helper.
 * The message says which file or helper and how to fix it, and never contains a secret.
 */
public final class CredentialsException extends RuntimeException {

    public CredentialsException(String message) {
        super(message);
    }

    public CredentialsException(String message, Throwable cause) {
        super(message, cause);
    }
}
