package dev.exporter.registry;

import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Registry;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.auth.AuthenticationException;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.registry.auth.CredentialsException;
import dev.exporter.registry.auth.RegistryAuthenticator;
import dev.exporter.registry.http.Origin;
import dev.exporter.registry.http.Request;
import dev.exporter.registry.http.RequestBody;
import dev.exporter.registry.http.Response;
import dev.exporter.text.Printable;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Runs {@link RegistryEndpoint}s against registries: picks https or http, authenticates, follows redirects
 * (dropping the registry's credentials when a redirect leaves the registry's host), retries what {@link RetryRule}
 * calls transient and turns every failure into a {@link RegistryException} that says what was being done to what
 * ({@link RegistryErrors}); a handler's own failure to write what it read is reported at once, never retried.
 */
public final class RegistryClient {

    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final RetryPolicy retryPolicy;
    private final HttpClients clients;
    private final RegistryAuthenticator authenticator;
    private final Schemes schemes;

    public RegistryClient(TransportOptions options, RetryPolicy retryPolicy, CredentialProvider credentials) {
        this.retryPolicy = retryPolicy;
        this.clients = new HttpClients(options);
        this.authenticator = new RegistryAuthenticator(clients, credentials, options.pace().deadline(), Clock.systemUTC(),
                Version.userAgent());
        this.schemes = new Schemes(options);
    }

    /** Runs {@code endpoint} against the registry that {@code reference} names. */
    public <T> T call(ImageReference reference, RegistryEndpoint<T> endpoint) {
        return call(reference.registryValue(), endpoint);
    }

    /**
     * Runs {@code endpoint} once, without retrying transient failures: for requests that are only worth making if
     * they work at once, such as hints.
     */
    public <T> T callOnce(ImageReference reference, RegistryEndpoint<T> endpoint) {
        return call(reference.registryValue(), endpoint, 0);
    }

    /**
     * Opens {@code connections} connections to the registry {@code reference} names in the background, for the
     * concurrent requests that are about to follow (see {@link dev.exporter.registry.http.HttpTransport#preconnect}).
     * Settles the scheme first (a loopback registry's TLS probe), as the first request would.
     */
    public void preconnect(ImageReference reference, int connections) {
        if (schemes.unsettled(reference.registryValue())) {
            // The sockets connect while the probe runs; the connections below are then made of them.
            URI unsettled = URI.create("https://" + reference.registryValue().apiHost());
            clients.apply(unsettled).preconnectTcp(unsettled, connections);
        }
        URI base = URI.create(schemes.baseUrl(reference.registryValue()));
        clients.apply(base).preconnect(base, connections);
    }

    /**
     * The quickest answer the registry {@code reference} names has given this client so far, or null before any (see
     * {@link dev.exporter.registry.http.HttpTransport#quickestAnswer}).
     */
    public java.time.Duration quickestAnswer(ImageReference reference) {
        URI base = URI.create(schemes.baseUrl(reference.registryValue()));
        return clients.apply(base).quickestAnswer(base);
    }

    /** Runs {@code endpoint} against {@code registry}. */
    public <T> T call(Registry registry, RegistryEndpoint<T> endpoint) {
        return call(registry, endpoint, retryPolicy.maxRetries());
    }

    private <T> T call(Registry registry, RegistryEndpoint<T> endpoint, int maxRetries) {
        for (int retry = 0; ; retry++) {
            try {
                return attempt(registry, endpoint);
            } catch (Transient t) {
                if (retry >= maxRetries) {
                    throw retry == 0 ? t.failure : new RegistryException(t.failure.kind(), t.failure.status(),
                            t.failure.getMessage() + " (gave up after " + retry + (retry == 1 ? " retry)" : " retries)"),
                            t.failure.getCause());
                }
                sleep(retryPolicy.delay(retry + 1, t.retryAfter), endpoint);
            } catch (CredentialsException e) {
                throw RegistryErrors.credentials(e);
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

    private <T> T attempt(Registry registry, RegistryEndpoint<T> endpoint) throws Transient {
        String scope = endpoint.scope();
        String action = endpoint.description();
        int authRounds = 0;
        String base = schemes.baseUrl(registry);
        URI uri = target(base, endpoint, action);
        String authorization = authorize(registry, scope);
        boolean sameHost = Origin.of(URI.create(base)).sameAs(uri);
        for (int redirects = 0; ; ) {
            Response response;
            try {
                response = clients.apply(uri).send(request(endpoint, uri, sameHost ? authorization : null));
            } catch (IOException e) {
                if (e instanceof RequestBody.SourceException source) {
                    throw RegistryErrors.sourceFailure(action, (IOException) source.getCause());
                }
                if (schemes.fallBackToPlainHttp(registry, base, e)) {
                    return attempt(registry, endpoint);
                }
                RegistryException failure = RegistryErrors.isTlsFailure(e) ? RegistryErrors.tls(action, uri, e)
                        : e instanceof UnknownHostException ? RegistryErrors.unknownHost(action, uri.getHost(), e)
                        : RegistryErrors.network(action, e);
                if (RetryRule.isTransientSendFailure(e)) {
                    throw new Transient(failure, null);
                }
                throw failure;
            }
            schemes.settled(registry, base);
            int status = response.status();
            if (status >= 200 && status < 300) {
                return handle(endpoint, status, response);
            }
            byte[] errorBody = drain(response);
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                if (++redirects > MAX_REDIRECTS) {
                    throw new RegistryException(Kind.PROTOCOL, status, action + ": more than " + MAX_REDIRECTS + " redirects");
                }
                URI next = redirectTarget(uri, response.headers().firstValue("Location").get(), status, action);
                sameHost = sameHost && Origin.of(uri).sameAs(next);
                uri = next;
                continue;
            }
            if (status == 401 && sameHost && authRounds++ < 2
                    && authenticator.unauthorized(registry.name(), scope, response.headers().allValues("WWW-Authenticate"))) {
                authorization = authorize(registry, scope);
                uri = target(base, endpoint, action);
                sameHost = Origin.of(URI.create(base)).sameAs(uri);
                redirects = 0;
                continue;
            }
            RegistryException failure = RegistryErrors.forStatus(registry, endpoint, status, errorBody,
                    authenticator.describeCredentials(registry.name()));
            if (RetryRule.isTransient(status)) {
                throw new Transient(failure, RetryPolicy.retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
            }
            throw failure;
        }
    }

    /** Lets the endpoint read a 2xx answer; its read failures are the network's, its other failures its own. */
    private static <T> T handle(RegistryEndpoint<T> endpoint, int status, Response response) throws Transient {
        try (InputStream body = new ResponseBody(endpoint.download() ? response.download() : response.body())) {
            return endpoint.handle(new RegistryResponse(status, response.headers(), body));
        } catch (IOException e) {
            if (RetryRule.isTransientHandlerFailure(e)) {
                throw new Transient(RegistryErrors.network(endpoint.description(), e), null);
            }
            throw RegistryErrors.localFailure(endpoint.description(), e);
        }
    }

    /** The Authorization header to send, or null for none. */
    private String authorize(Registry registry, String scope) throws Transient {
        try {
            return authenticator.authorization(registry.name(), scope).orElse(null);
        } catch (AuthenticationException e) {
            RegistryException failure = RegistryErrors.authentication(e);
            if (RetryRule.isTransient(e)) {
                throw new Transient(failure, null);
            }
            throw failure;
        }
    }

    /** The URL {@code endpoint} names: below {@code base}, or its own absolute one (an upload's Location). */
    private static URI target(String base, RegistryEndpoint<?> endpoint, String action) {
        URI uri = resolve(base + "/", endpoint.path());
        if (uri == null || !isWeb(uri)) {
            throw new RegistryException(Kind.PROTOCOL, 0, action + ": the registry gave an invalid URL '"
                    + Printable.fragment(endpoint.path(), 100) + "'");
        }
        return uri;
    }

    /** Where a redirect's {@code Location} leads from {@code uri}: an http(s) URL with a host, or an error. */
    private static URI redirectTarget(URI uri, String location, int status, String action) {
        URI next = resolve(uri.toString(), location);
        if (next == null) {
            throw new RegistryException(Kind.PROTOCOL, status, action + ": redirect to an invalid URL '"
                    + Printable.fragment(location, 100) + "'");
        }
        if (!isWeb(next)) {
            throw new RegistryException(Kind.PROTOCOL, status, action + ": redirect to unsupported URL scheme '"
                    + Printable.fragment(location, 100) + "'");
        }
        return next;
    }

    /**
     * {@code reference} resolved against {@code base}; null if that is no URL, or an http(s) one without a valid
     * host and port: a registry may send anything, such as a bare CR, a space, no host or a broken IPv6 bracket.
     */
    private static URI resolve(String base, String reference) {
        try {
            URI uri = new URI(base).resolve(new URI(reference));
            if (!isWeb(uri)) {
                return uri.getScheme() != null ? uri : null;
            }
            Origin.of(uri);
            return uri;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isWeb(URI uri) {
        return "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme());
    }

    private static Request request(RegistryEndpoint<?> endpoint, URI uri, String authorization) {
        Request request = Request.get(uri).method(endpoint.method()).header("User-Agent", Version.userAgent())
                .body(endpoint.body());
        if (!endpoint.accept().isEmpty()) {
            request = request.header("Accept", String.join(", ", endpoint.accept()));
        }
        for (Map.Entry<String, String> header : endpoint.headers().entrySet()) {
            request = request.header(header.getKey(), header.getValue());
        }
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    /** Reads (the start of) an error body, bounded by the read timeout and the deadline like any small answer. */
    private static byte[] drain(Response response) {
        try (InputStream body = response.body()) {
            return body.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
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
