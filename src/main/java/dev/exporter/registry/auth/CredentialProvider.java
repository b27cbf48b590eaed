package dev.exporter.registry.auth;

import java.util.Optional;

/** Finds credentials for a registry name as users write it ({@code docker.io}, {@code host:5000}). */
@FunctionalInterface
public interface CredentialProvider {

    Optional<Credentials> credentialsFor(String registry);

    static CredentialProvider anonymous() {
        return registry -> Optional.empty();
    }

    /** The same credentials for every registry (from {@code -u}/{@code --password-stdin} or the environment). */
    static CredentialProvider fixed(Credentials credentials) {
        return registry -> Optional.of(credentials);
    }
}
