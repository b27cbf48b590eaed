package dev.exporter.registry.auth;

/**
 * A username and secret for one registry. When {@code identityToken} is set the secret is an OAuth2 refresh token
 * (docker's {@code identitytoken}) rather than a password. {@link #toString()} never shows the secret.
 */
public record Credentials(String username, String secret, boolean identityToken) {

    public Credentials {
        if (secret == null) {
            throw new IllegalArgumentException("credentials for '" + username + "' have no secret");
        }
    }

    public static Credentials basic(String username, String password) {
        return new Credentials(username, password, false);
    }

    /** The {@code Authorization: Basic} header value. */
    public String basicHeader() {
        String pair = (username == null ? "" : username) + ":" + secret;
        return "Basic " + java.util.Base64.getEncoder().encodeToString(pair.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", secret=***]";
    }
}
