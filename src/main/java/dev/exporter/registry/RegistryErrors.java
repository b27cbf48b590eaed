package dev.exporter.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.reference.Registry;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.auth.AuthenticationException;
import dev.exporter.registry.auth.CredentialsException;
import dev.exporter.registry.http.NetworkException;
import dev.exporter.registry.http.SlowAnswerException;
import dev.exporter.text.Printable;
import dev.exporter.transfer.FileErrors;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns what went wrong in a registry call into the exception the caller sees, its message starting with what was
 * being done to what; the registry's own error body ({@code {"errors":[{"code","message"}]}}) is quoted in it.
 */
final class RegistryErrors {

    private RegistryErrors() {
    }

    /**
     * The failure for an answer with an error {@code status}.
     *
     * @param credentials the credentials that were sent, in words, or empty when the request went out anonymously
     */
    static RegistryException forStatus(Registry registry, RegistryEndpoint<?> endpoint, int status, byte[] body,
                                       Optional<String> credentials) {
        String action = endpoint.description();
        String detail = errorBody(body);
        String code = detail == null ? "" : detail.toUpperCase(Locale.ROOT);
        String name = registry.name();
        return switch (status) {
            case 404 -> new RegistryException(Kind.NOT_FOUND, status, action + ": "
                    + (code.startsWith("NAME_UNKNOWN") ? "repository not found" : endpoint.notFoundMessage()));
            case 401, 403 -> new RegistryException(status == 401 ? Kind.UNAUTHORIZED : Kind.DENIED, status,
                    action + ": access denied to repository " + endpoint.repository() + " on " + name
                            + (detail != null ? " (" + detail + ")" : "")
                            + credentials.map(creds -> "; credentials were sent but not accepted (" + creds
                                    + ") - check the username, password and access rights, or log in again with 'exporter login "
                                    + name + "'")
                            .orElse("; no credentials were sent - use 'exporter login " + name + "' or --username with --password-stdin"));
            case 429 -> new RegistryException(Kind.TOO_MANY_REQUESTS, status, action + ": rate limited by the registry (HTTP 429)");
            default -> new RegistryException(status >= 500 ? Kind.SERVER_ERROR : Kind.PROTOCOL, status,
                    action + ": registry answered HTTP " + status + (detail != null ? " (" + detail + ")" : ""));
        };
    }

    /** The distribution spec's error body {@code {"errors":[{"code","message"}]}} on one printable line, or null. */
    static String errorBody(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            List<String> parts = new ArrayList<>();
            for (JsonNode error : Json.read(body).path("errors")) {
                String code = Json.text(error, "code");
                String message = Json.text(error, "message");
                parts.add((code == null ? "" : code) + (message == null ? "" : ": " + message));
            }
            return parts.isEmpty() ? null : Printable.fragment(String.join("; ", parts));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The connection failed, or the network under a response body. */
    static RegistryException network(String action, IOException failure) {
        IOException e = failure instanceof NetworkException tagged ? tagged.original() : failure;
        String why = e instanceof SocketTimeoutException && !(e instanceof SlowAnswerException) ? "timed out waiting for the registry"
                : e instanceof ConnectException ? "connection refused"
                : e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return new RegistryException(Kind.NETWORK, 0, action + ": " + Printable.fragment(why), e);
    }

    /** The host name did not resolve: a typo, or no DNS; say which host. */
    static RegistryException unknownHost(String action, String host, IOException e) {
        return new RegistryException(Kind.NETWORK, 0, action + ": unknown host " + Printable.fragment(host, 100)
                + " (its name does not resolve; check the spelling and DNS)", e);
    }

    /** TLS problems do not heal by retrying; say what to do about them instead. */
    static RegistryException tls(String action, URI uri, IOException e) {
        String reason = rootMessage(e);
        String host = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        String hint = reason.contains("Unsupported or unrecognized SSL message") || reason.contains("plaintext")
                ? host + " does not speak TLS; use --plain-http for a plain-HTTP registry"
                : "TLS verification of " + host + " failed (" + Printable.fragment(reason)
                        + "); pass the registry's CA with --ca-cert FILE, or --insecure to skip verification";
        return new RegistryException(Kind.NETWORK, 0, action + ": " + hint, e);
    }

    static boolean isTlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** The token service failed or said no; the message already says so. */
    static RegistryException authentication(AuthenticationException e) {
        int status = e.status();
        Kind kind = e.networkFailure() ? Kind.NETWORK
                : e.rejected() ? Kind.UNAUTHORIZED
                : status == 429 ? Kind.TOO_MANY_REQUESTS
                : status >= 500 ? Kind.SERVER_ERROR
                : Kind.PROTOCOL;
        return new RegistryException(kind, status, e.getMessage(), e);
    }

    /** The credentials to send could not be read (a broken auth file, a failing helper). */
    static RegistryException credentials(CredentialsException e) {
        return new RegistryException(Kind.UNAUTHORIZED, 0, e.getMessage(), e);
    }

    /**
     * An endpoint's handler failed with {@code e}, which is not the network's: it was writing what it read
     * somewhere (a file on a full disk).
     */
    static UncheckedIOException localFailure(String action, IOException e) {
        return new UncheckedIOException(action + ": local write failure (not retried): " + FileErrors.describe(e), e);
    }

    /** What a request was to send could not be read: the source's own failure, reported as it is. */
    static UncheckedIOException sourceFailure(String action, IOException e) {
        return new UncheckedIOException(action + ": " + FileErrors.describe(e), e);
    }


    private static String rootMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
