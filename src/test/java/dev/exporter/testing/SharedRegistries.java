package dev.exporter.testing;

/**
 * Registries shared by all tests of a run (see {@link SharedResources} for the required
 * {@code @ExtendWith} and the caveats). Each is started on first use.
 */
public final class SharedRegistries {

    private SharedRegistries() {
    }

    /** Plain HTTP, no auth. */
    public static LocalRegistry anonymous() {
        return SharedResources.get("registry-anonymous", LocalRegistry.class,
                () -> LocalRegistry.builder().start());
    }

    /** Plain HTTP, Basic auth with {@link TokenServer#DEFAULT_USERS}. */
    public static LocalRegistry htpasswd() {
        return SharedResources.get("registry-htpasswd", LocalRegistry.class,
                () -> LocalRegistry.builder().htpasswd().start());
    }

    /**
     * Plain HTTP, bearer tokens from a default {@link TokenServer} (see
     * {@link LocalRegistry#tokenServer()}; call its {@code reset()} before asserting on requests).
     */
    public static LocalRegistry token() {
        TokenServer tokenServer = SharedResources.get("token-server", TokenServer.class, TokenServer::start);
        return SharedResources.get("registry-token", LocalRegistry.class,
                () -> LocalRegistry.builder().token(tokenServer).start());
    }

    /**
     * HTTPS (certificate from {@link TestPki}; trust {@link LocalRegistry#caCert()}) with Basic auth
     * and the default users, the usual production setup for htpasswd registries.
     */
    public static LocalRegistry tls() {
        return SharedResources.get("registry-tls", LocalRegistry.class,
                () -> LocalRegistry.builder().tls(true).htpasswd().start());
    }
}
