package dev.exporter.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.text.Printable;
import dev.exporter.registry.http.HttpTransport;
import dev.exporter.registry.http.Request;
import dev.exporter.registry.http.Response;
import dev.exporter.registry.http.SlowAnswerException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The {@code WWW-Authenticate} challenge flow of the distribution spec: learns each registry's challenge from its
 * first 401, then answers with Basic credentials or a bearer token fetched from the challenge's realm (with a
 * password, or an identity token as OAuth2 refresh token). A registry token is itself the bearer token and is sent
 * as is. Tokens are cached per registry and scope, renewed before they expire and whenever the registry answers
 * 401 again. Failures of the token service are {@link AuthenticationException}s, of credential lookups
 * {@link CredentialsException}s.
 */
public final class RegistryAuthenticator {

    /** Tokens this close to expiry are renewed before use. */
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);
    /** The largest token response read. */
    private static final int MAX_TOKEN_RESPONSE = 1024 * 1024;
    /** The spec's default lifetime when a token server does not say. */
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** Longer lifetimes are taken as this one. */
    private static final Duration MAX_TOKEN_LIFETIME = Duration.ofDays(1);

    private final Function<URI, HttpTransport> http;
    private final CredentialProvider credentials;
    private final Duration timeout;
    private final Clock clock;
    private final String userAgent;
    private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Token(String value, Instant expiresAt) {
    }

    /**
     * @param http      picks the client for a token realm's URL
     * @param timeout   the longest a whole token exchange may take
     * @param userAgent what token requests say they come from
     */
    public RegistryAuthenticator(Function<URI, HttpTransport> http, CredentialProvider credentials, Duration timeout,
                                 Clock clock, String userAgent) {
        this.http = http;
        this.credentials = credentials;
        this.timeout = timeout;
        this.clock = clock;
        this.userAgent = userAgent;
    }

    /**
     * The credentials for this registry in words, without the secret ({@code user 'bob' from /x/config.json}),
     * or empty when requests go out anonymously; for access-denied messages.
     */
    public Optional<String> describeCredentials(String registry) {
        return credentials.credentialsFor(registry).map(Credentials::describe);
    }

    /**
     * The {@code Authorization} header value for a request to {@code registry} needing {@code scope}, or empty when
     * the registry has not challenged us yet (first requests go out anonymously, as docker's do).
     */
    public Optional<String> authorization(String registry, String scope) {
        Challenge challenge = challenges.get(registry);
        if (challenge == null) {
            return Optional.empty();
        }
        if (challenge.isBasic()) {
            return basicCredentials(registry).map(Credentials::basicHeader);
        }
        Optional<Credentials> creds = credentials.credentialsFor(registry);
        if (creds.isPresent() && creds.get().type() == Credentials.Type.REGISTRY_TOKEN) {
            return Optional.of("Bearer " + creds.get().secret());
        }
        // compute() makes concurrent downloads of one repository share a single token request.
        Token token = tokens.compute(registry + " " + scope, (key, cached) ->
                cached != null && clock.instant().isBefore(cached.expiresAt().minus(EXPIRY_MARGIN))
                        ? cached : fetchToken(registry, challenge, scope));
        return Optional.of("Bearer " + token.value());
    }

    /**
     * Records a 401 answer: learns (or re-learns) the challenge and forgets the cached token so that the next
     * {@link #authorization} fetches a fresh one. Returns false when the registry offers no scheme we can answer.
     */
    public boolean unauthorized(String registry, String scope, List<String> wwwAuthenticate) {
        List<Challenge> offered = Challenge.parseAll(wwwAuthenticate);
        Optional<Challenge> usable = offered.stream().filter(Challenge::isBearer).findFirst()
                .or(() -> offered.stream().filter(Challenge::isBasic).findFirst());
        if (usable.isEmpty()) {
            return false;
        }
        challenges.put(registry, usable.get());
        tokens.remove(registry + " " + scope);
        return usable.get().isBearer() || basicCredentials(registry).isPresent();
    }

    /** Only passwords answer a Basic challenge: tokens are meant for bearer flows. */
    private Optional<Credentials> basicCredentials(String registry) {
        return credentials.credentialsFor(registry).filter(c -> c.type() == Credentials.Type.PASSWORD);
    }

    /** One {@code scope=} parameter per space-separated scope (a mount needs two repositories'), or nothing. */
    private static String scopeParameters(String scope, String firstSeparator) {
        StringBuilder parameters = new StringBuilder();
        for (String one : scope.trim().split(" +")) {
            if (!one.isEmpty()) {
                parameters.append(parameters.isEmpty() ? firstSeparator : "&").append("scope=").append(enc(one));
            }
        }
        return parameters.toString();
    }

    private Token fetchToken(String registry, Challenge challenge, String scope) {
        String realm = challenge.param("realm");
        String action = "authenticate to " + registry;
        if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
            throw AuthenticationException.answered(action + ": registry sent a bearer challenge without a valid realm", 0);
        }
        Optional<Credentials> creds = credentials.credentialsFor(registry);
        String service = challenge.param("service");
        Request request;
        try {
            if (creds.isPresent() && creds.get().type() == Credentials.Type.IDENTITY_TOKEN) {
                // docker's identitytoken is an OAuth2 refresh token, exchanged with a POST (distribution's oauth spec).
                String form = "grant_type=refresh_token&client_id=exporter"
                        + "&refresh_token=" + enc(creds.get().secret())
                        + (service != null ? "&service=" + enc(service) : "")
                        + scopeParameters(scope, "&");
                request = Request.get(URI.create(realm))
                        .post("application/x-www-form-urlencoded", form.getBytes(StandardCharsets.UTF_8));
            } else {
                StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
                if (service != null) {
                    url.append("service=").append(enc(service));
                }
                url.append(scopeParameters(scope, service != null ? "&" : ""));
                request = Request.get(URI.create(url.toString()));
                if (creds.isPresent()) {
                    request = request.header("Authorization", creds.get().basicHeader());
                }
            }
        } catch (IllegalArgumentException e) {
            throw AuthenticationException.answered(action + ": invalid token realm '" + Printable.fragment(realm) + "'", 0);
        }
        request = request.header("User-Agent", userAgent);
        int status;
        byte[] responseBody;
        // The head and the whole body must come within the deadline, however slowly they drip.
        try (Response response = http.apply(request.uri()).send(request)) {
            status = response.status();
            responseBody = response.readBody(MAX_TOKEN_RESPONSE, timeout);
        } catch (SocketTimeoutException e) {
            throw AuthenticationException.network(action + ": token request to " + request.uri().getHost()
                    + (e instanceof SlowAnswerException ? ": " + e.getMessage() : " timed out"), null);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw AuthenticationException.network(action + ": interrupted", null);
        } catch (java.net.UnknownHostException e) {
            // not a hiccup worth retrying: the token service's name does not resolve
            throw AuthenticationException.answered(action + ": token service host " + request.uri().getHost()
                    + " is unknown (its name does not resolve)", 0);
        } catch (IOException e) {
            throw AuthenticationException.network(action + ": token request to " + request.uri().getHost()
                    + " failed: " + describe(e), e);
        }
        if (status == 401 || status == 403) {
            throw AuthenticationException.answered(action + ": " + rejection(registry, creds), status);
        }
        if (status != 200) {
            throw AuthenticationException.answered(action + ": token service answered HTTP " + status, status);
        }
        JsonNode body;
        try {
            body = Json.parse(responseBody, action + ": token response");
        } catch (RuntimeException e) {
            throw new AuthenticationException(e.getMessage(), status, false, e);
        }
        String value = Json.text(body, "token");
        if (value == null || value.isEmpty()) {
            value = Json.text(body, "access_token");
        }
        if (value == null || value.isEmpty()) {
            throw AuthenticationException.answered(action + ": token response has no token", status);
        }
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            // it would end the Authorization header and start other header lines: never send it
            throw AuthenticationException.answered(action + ": token service sent a token with control characters; refused", status);
        }
        // asLong saturates (1e300 and 2^63-1 alike), and no token needs to outlive a run by far
        long seconds = Math.min(body.path("expires_in").asLong(0), MAX_TOKEN_LIFETIME.toSeconds());
        Duration lifetime = seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_TOKEN_LIFETIME;
        return new Token(value, clock.instant().plus(lifetime));
    }

    /** Why the token service said no, and how to fix it. */
    private static String rejection(String registry, Optional<Credentials> creds) {
        if (creds.isEmpty()) {
            return "anonymous access was refused by the token service - log in with 'exporter login " + registry
                    + "' or pass --username with --password-stdin";
        }
        Credentials c = creds.get();
        String what = c.type() == Credentials.Type.IDENTITY_TOKEN
                ? "the identity token from " + c.source() + " was rejected by the token service (it may have expired or been revoked)"
                : "credentials for user '" + c.username() + "' from " + c.source() + " were rejected by the token service";
        return what + " - check them, or log in again with 'exporter login " + registry + "'";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : Printable.fragment(message);
    }
}
