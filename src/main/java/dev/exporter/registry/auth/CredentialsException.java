package dev.exporter.registry.auth;

import dev.exporter.registry.RegistryException;

/**
 * Credentials could not be read, found or stored: a broken auth file, a missing or failing credential helper.
 * The message says which file or helper and how to fix it, and never contains a secret.
 */
public final class CredentialsException extends RegistryException {

    public CredentialsException(String message) {
        super(Kind.UNAUTHORIZED, 0, message);
    }

    public CredentialsException(String message, Throwable cause) {
        super(Kind.UNAUTHORIZED, 0, message, cause);
    }
}
