package dev.exporter.registry.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A secret for one registry and where it came from. What the secret is depends on {@link #type()}: a password
 * (sent with Basic auth or to the token service), docker's {@code identitytoken} (an OAuth2 refresh token), or
 * docker's {@code registrytoken} (a bearer token sent to the registry as is). {@link #toString()} never shows
 * the secret.
 *
 * @param username the user, or null when a token needs none
 * @param source   where the credentials were found, for messages: {@code --username}, a file, a helper
 */
public record Credentials(String username, String secret, Type type, String source) {

    /** What kind of secret this is. */
    public enum Type { PASSWORD, IDENTITY_TOKEN, REGISTRY_TOKEN }

    public Credentials {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("credentials for '" + username + "' from " + source + " have no secret");
        }
        if (type == null || source == null) {
            throw new IllegalArgumentException("credentials need a type and a source");
        }
    }

    public static Credentials password(String username, String password, String source) {
        return new Credentials(username, password, Type.PASSWORD, source);
    }

    public static Credentials identityToken(String username, String refreshToken, String source) {
        return new Credentials(username, refreshToken, Type.IDENTITY_TOKEN, source);
    }

    public static Credentials registryToken(String token, String source) {
        return new Credentials(null, token, Type.REGISTRY_TOKEN, source);
    }

    /** The {@code Authorization: Basic} header value. */
    public String basicHeader() {
        String pair = (username == null ? "" : username) + ":" + secret;
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    /** For messages, without the secret: {@code user 'alice' from /home/a/.docker/config.json}. */
    public String describe() {
        return switch (type) {
            case PASSWORD -> "user '" + username + "' from " + source;
            case IDENTITY_TOKEN -> "identity token " + (username == null || username.isEmpty() ? "" : "of user '" + username + "' ")
                    + "from " + source;
            case REGISTRY_TOKEN -> "registry token from " + source;
        };
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", secret=***, type=" + type + ", source=" + source + "]";
    }
}
