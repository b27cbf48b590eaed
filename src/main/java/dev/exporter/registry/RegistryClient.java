package dev.exporter.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.registry.auth.RegistryAuthenticator;
import dev.exporter.registry.http.ProxyException;
import dev.exporter.registry.http.Request;
import dev.exporter.registry.http.Response;
import dev.exporter.registry.http.TlsProbe;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs {@link RegistryEndpoint}s against registries: picks https or http, authenticates, follows redirects
 * (dropping the registry's credentials when a redirect leaves the registry's host), retries transient failures
 * and turns every failure into a {@link RegistryException} that says what was being done to what.
 */
public final class RegistryClient {

    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** How long a loopback registry gets to show whether it speaks TLS before a real handshake decides. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final TransportOptions options;
    private final RetryPolicy retryPolicy;
    private final HttpClients clients;
    private final RegistryAuthenticator authenticator;
    /** Registries whose scheme is settled: {@code https://host} or {@code http://host}. */
    private final Map<String, String> baseUrls = new ConcurrentHashMap<>();

    public RegistryClient(TransportOptions options, RetryPolicy retryPolicy, CredentialProvider credentials) {
        this.options = options;
        this.retryPolicy = retryPolicy;
        this.clients = new HttpClients(options);
        this.authenticator = new RegistryAuthenticator(clients, credentials, options.readTimeout(), Clock.systemUTC());
    }

    public RegistryAuthenticator authenticator() {
        return authenticator;
    }

    /** Runs {@code endpoint} against the registry that {@code reference} names. */
    public <T> T call(ImageReference reference, RegistryEndpoint<T> endpoint) {
        return call(reference.registry(), reference.apiHost(), reference.isLoopbackRegistry(), endpoint);
    }

    /**
     * Runs {@code endpoint} once, without retrying transient failures: for requests that are only worth making if
     * they work at once, such as hints.
     */
    public <T> T callOnce(ImageReference reference, RegistryEndpoint<T> endpoint) {
        return call(reference.registry(), reference.apiHost(), reference.isLoopbackRegistry(), endpoint, 0);
    }

    /** Runs {@code endpoint} against {@code registry} (a registry name as in an image reference). */
    public <T> T call(String registry, String apiHost, boolean loopback, RegistryEndpoint<T> endpoint) {
        return call(registry, apiHost, loopback, endpoint, retryPolicy.maxRetries());
    }

    private <T> T call(String registry, String apiHost, boolean loopback, RegistryEndpoint<T> endpoint, int maxRetries) {
        for (int retry = 0; ; retry++) {
            try {
                return attempt(registry, apiHost, loopback, endpoint);
            } catch (Transient t) {
                if (retry >= maxRetries) {
                    throw retry == 0 ? t.failure : new RegistryException(t.failure.kind(), t.failure.status(),
                            t.failure.getMessage() + " (gave up after " + retry + (retry == 1 ? " retry)" : " retries)"),
                            t.failure.getCause());
                }
                sleep(retryPolicy.delay(retry + 1, t.retryAfter), endpoint);
            }
        }
    }

    /** A failure worth retrying, with the server's {@code Retry-After} if it sent one. */
    private static final class Transient extends Exception {
        final RegistryException failure;
        final Duration retryAfter;

        Transient(RegistryException failure, Duration retryAfter) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
            this.retryAfter = retryAfter;
        }
    }

    private <T> T attempt(String registry, String apiHost, boolean loopback, RegistryEndpoint<T> endpoint)
            throws Transient {
        String scope = endpoint.scope();
        String action = endpoint.description();
        int authRounds = 0;
        String base = baseUrl(apiHost, loopback);
        URI uri = URI.create(base + endpoint.path());
        String authorization = authorize(registry, scope);
        boolean sameHost = true;
        for (int redirects = 0; ; ) {
            Response response;
            try {
                response = clients.apply(uri).send(request(endpoint, uri, sameHost ? authorization : null));
            } catch (IOException e) {
                if (loopback && base.startsWith("https://") && !baseUrls.containsKey(apiHost) && isTlsFailure(e)) {
                    // docker treats loopback registries as insecure: no TLS there means plain http.
                    baseUrls.put(apiHost, "http://" + apiHost);
                    return attempt(registry, apiHost, loopback, endpoint);
                }
                if (isTlsFailure(e)) {
                    throw tlsFailure(action, uri, e);
                }
                if (e instanceof ProxyException proxy && proxy.refused()) {
                    throw network(action, e); // the proxy's no (say, a wrong password) will not change on a retry
                }
                throw new Transient(network(action, e), null);
            }
            if (loopback) {
                baseUrls.putIfAbsent(apiHost, base);
            }
            int status = response.status();
            if (status >= 200 && status < 300) {
                try (InputStream body = response.body()) {
                    return endpoint.handle(new RegistryResponse(status, response.headers(), body));
                } catch (IOException e) {
                    throw new Transient(network(action, e), null);
                }
            }
            byte[] errorBody = drain(response);
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                if (++redirects > MAX_REDIRECTS) {
                    throw new RegistryException(Kind.PROTOCOL, status, action + ": more than " + MAX_REDIRECTS + " redirects");
                }
                URI next = uri.resolve(response.headers().firstValue("Location").get());
                if (!"https".equals(next.getScheme()) && !"http".equals(next.getScheme())) {
                    throw new RegistryException(Kind.PROTOCOL, status, action + ": redirect to unsupported URL scheme");
                }
                sameHost = sameHost && sameOrigin(uri, next);
                uri = next;
                continue;
            }
            if (status == 401 && sameHost && authRounds++ < 2
                    && authenticator.unauthorized(registry, scope, response.headers().allValues("WWW-Authenticate"))) {
                authorization = authorize(registry, scope);
                uri = URI.create(base + endpoint.path());
                redirects = 0;
                continue;
            }
            Duration retryAfter = retryAfter(response);
            RegistryException failure = failure(registry, endpoint, status, errorBody);
            if (status == 429 || status >= 500 || status == 408) {
                throw new Transient(failure, retryAfter);
            }
            throw failure;
        }
    }

    /** The Authorization header to send; token-service hiccups are as retryable as registry ones. */
    private String authorize(String registry, String scope) throws Transient {
        try {
            return authenticator.authorization(registry, scope).orElse(null);
        } catch (RegistryException e) {
            if (e.kind() == Kind.NETWORK || e.kind() == Kind.SERVER_ERROR || e.kind() == Kind.TOO_MANY_REQUESTS) {
                throw new Transient(e, null);
            }
            throw e;
        }
    }

    private String baseUrl(String apiHost, boolean loopback) {
        if (options.plainHttp()) {
            return "http://" + apiHost;
        }
        if (!loopback) {
            return "https://" + apiHost;
        }
        String settled = baseUrls.computeIfAbsent(apiHost, RegistryClient::probeScheme);
        return settled != null ? settled : "https://" + apiHost;
    }

    /**
     * docker treats loopback registries as insecure: https if the registry offers it, else plain http. Null when
     * the probe cannot tell; then trying https decides (see {@link #attempt}).
     */
    private static String probeScheme(String apiHost) {
        return switch (TlsProbe.probe(URI.create("https://" + apiHost), PROBE_TIMEOUT)) {
            case TLS -> "https://" + apiHost;
            case PLAIN_HTTP -> "http://" + apiHost;
            case UNKNOWN -> null;
        };
    }

    private static Request request(RegistryEndpoint<?> endpoint, URI uri, String authorization) {
        Request request = Request.get(uri).method(endpoint.method()).header("User-Agent", Version.userAgent());
        if (!endpoint.accept().isEmpty()) {
            request = request.header("Accept", String.join(", ", endpoint.accept()));
        }
        for (Map.Entry<String, String> header : endpoint.headers().entrySet()) {
            request = request.header(header.getKey(), header.getValue());
        }
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static boolean isTlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    private RegistryException failure(String registry, RegistryEndpoint<?> endpoint, int status, byte[] body) {
        String action = endpoint.description();
        String detail = registryErrors(body);
        String code = detail == null ? "" : detail.toUpperCase(Locale.ROOT);
        return switch (status) {
            case 404 -> new RegistryException(Kind.NOT_FOUND, status, action + ": "
                    + (code.startsWith("NAME_UNKNOWN") ? "repository not found" : endpoint.notFoundMessage()));
            case 401, 403 -> new RegistryException(status == 401 ? Kind.UNAUTHORIZED : Kind.DENIED, status,
                    action + ": access denied to repository " + endpoint.repository() + " on " + registry
                            + (detail != null ? " (" + detail + ")" : "")
                            + authenticator.describeCredentials(registry)
                            .map(creds -> "; credentials were sent but not accepted (" + creds + ") - check the username, password"
                                    + " and access rights, or log in again with 'exporter login " + registry + "'")
                            .orElse("; no credentials were sent - use 'exporter login " + registry + "' or --username with --password-stdin"));
            case 429 -> new RegistryException(Kind.TOO_MANY_REQUESTS, status, action + ": rate limited by the registry (HTTP 429)");
            default -> new RegistryException(status >= 500 ? Kind.SERVER_ERROR : Kind.PROTOCOL, status,
                    action + ": registry answered HTTP " + status + (detail != null ? " (" + detail + ")" : ""));
        };
    }

    /** Formats the distribution spec's error body {@code {"errors":[{"code","message"}]}}, or null. */
    private static String registryErrors(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            JsonNode errors = Json.read(body).path("errors");
            List<String> parts = new ArrayList<>();
            for (JsonNode error : errors) {
                String code = Json.text(error, "code");
                String message = Json.text(error, "message");
                parts.add((code == null ? "" : code) + (message == null ? "" : ": " + message));
            }
            return parts.isEmpty() ? null : sanitize(String.join("; ", parts));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Keeps registry-provided text on one short printable line. */
    private static String sanitize(String text) {
        String oneLine = text.replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    /** Reads (the start of) an error body; each read is bounded by the read timeout like any other. */
    private static byte[] drain(Response response) {
        try (InputStream body = response.body()) {
            return body.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static Duration retryAfter(Response response) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** TLS problems do not heal by retrying; say what to do about them instead. */
    private static RegistryException tlsFailure(String action, URI uri, IOException e) {
        String reason = rootMessage(e);
        String host = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        String hint = reason.contains("Unsupported or unrecognized SSL message") || reason.contains("plaintext")
                ? host + " does not speak TLS; use --plain-http for a plain-HTTP registry"
                : "TLS verification of " + host + " failed (" + sanitize(reason)
                        + "); pass the registry's CA with --ca-cert FILE, or --insecure to skip verification";
        return new RegistryException(Kind.NETWORK, 0, action + ": " + hint, e);
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

    private static RegistryException network(String action, IOException e) {
        String why = e instanceof SocketTimeoutException ? "timed out waiting for the registry"
                : e instanceof java.net.ConnectException ? "connection refused"
                : e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return new RegistryException(Kind.NETWORK, 0, action + ": " + sanitize(why), e);
    }

    private static void sleep(Duration delay, RegistryEndpoint<?> endpoint) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(Kind.NETWORK, 0, endpoint.description() + ": interrupted");
        }
    }
}
