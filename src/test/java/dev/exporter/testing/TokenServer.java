package dev.exporter.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-process Docker registry token server (https://distribution.github.io/distribution/spec/auth/token/
 * and the OAuth2 variant .../spec/auth/oauth/), listening on {@code http://127.0.0.1:<free port>/token}.
 *
 * <ul>
 *   <li>{@code GET /token?service=S&scope=...&scope=...[&offline_token=true]}, optionally with
 *       {@code Authorization: Basic}; {@code offline_token=true} plus valid credentials also
 *       returns a {@code refresh_token}.
 *   <li>{@code POST /token} (form-encoded) with {@code grant_type=password} (username, password,
 *       optional {@code access_type=offline} for a refresh token) or {@code grant_type=refresh_token}
 *       (refresh_token); {@code service} and {@code client_id} are required, {@code scope} is
 *       space-separated as the spec says.
 * </ul>
 *
 * Wrong credentials or an unknown refresh token give 401; a missing {@code service} (or, for POST,
 * {@code client_id}/unknown grant type) gives 400. Errors are JSON
 * {@code {"errors":[{"code":..,"message":..}]}}. Tokens are RS256 JWTs signed with the
 * {@link TestPki} token key, carrying the x5c chain the registry verifies against
 * {@link TestPki#tokenCertPem()}; each requested scope appears in {@code access} with the subset
 * of actions the {@link AccessPolicy} grants (possibly empty).
 *
 * <p>JWTs cannot be revoked, so to test expiry create an instance with a short
 * {@link Builder#tokenLifetime}. Note that distribution 2.8 accepts tokens up to 60 s past their
 * {@code exp} (clock-skew leeway).
 *
 * <p>Every HTTP request is recorded ({@link #requests()}); {@link #mintToken} (used by
 * {@link RegistryPusher}) is not, so fixtures never disturb what a test asserts.
 */
public final class TokenServer implements AutoCloseable {

    /** Decides which actions {@code user} ({@code null} when anonymous) may perform on a repository. */
    @FunctionalInterface
    public interface AccessPolicy {
        Set<String> allowedActions(String user, String repository);
    }

    /**
     * One HTTP request to the token endpoint. {@code grantType} is null for GET; {@code user} is
     * the claimed user (Basic user, {@code username}, or the owner of the refresh token), null if
     * anonymous; {@code offline} means a refresh token was asked for; {@code status} is the reply's.
     */
    public record TokenRequest(String method, String grantType, String user, String service,
                               List<String> scopes, boolean offline, int status, String userAgent) {
    }

    /** Default users (also the default htpasswd users of {@link LocalRegistry}). */
    public static final Map<String, String> DEFAULT_USERS =
            Map.of("alice", "alice-secret", "admin", "admin-secret", "bob", "bob-secret");

    /**
     * Default policy: alice and admin may pull and push anything; everyone else, including
     * anonymous clients and bob, may only pull repositories under {@code public/}.
     */
    public static final AccessPolicy DEFAULT_POLICY = (user, repository) -> {
        if ("alice".equals(user) || "admin".equals(user)) {
            return Set.of("pull", "push");
        }
        return repository.startsWith("public/") ? Set.of("pull") : Set.of();
    };

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String issuer;
    private final Map<String, String> users;
    private final AccessPolicy policy;
    private final Duration tokenLifetime;
    private final HttpServer server;
    private final ExecutorService executor;
    /** Refresh token to user name. */
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
    private final List<TokenRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();

    private TokenServer(Builder builder) throws IOException {
        this.issuer = builder.issuer;
        this.users = Map.copyOf(builder.users);
        this.policy = builder.policy;
        this.tokenLifetime = builder.tokenLifetime;
        TestPki.get(); // generate the signing key now rather than during the first request
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        this.executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/token", this::handle);
        server.start();
    }

    /** A server with all defaults (issuer "test-issuer", {@link #DEFAULT_USERS}, {@link #DEFAULT_POLICY}, 300 s). */
    public static TokenServer start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The realm to configure in the registry: {@code http://127.0.0.1:PORT/token}. */
    public URI realm() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    /** The {@code iss} claim of issued tokens. */
    public String issuer() {
        return issuer;
    }

    /** Number of access tokens issued over HTTP since start or the last {@link #reset()}. */
    public int tokensIssued() {
        return tokensIssued.get();
    }

    /** Snapshot of the HTTP requests received since start or the last {@link #reset()}, oldest first. */
    public List<TokenRequest> requests() {
        return List.copyOf(requests);
    }

    /** Clears {@link #requests()} and {@link #tokensIssued()} (refresh tokens stay valid). */
    public void reset() {
        requests.clear();
        tokensIssued.set(0);
    }

    /**
     * Signs a token directly, bypassing HTTP, credentials and the request record.
     *
     * @param user   subject, or {@code null} for anonymous
     * @param scopes scopes as in the {@code scope} query parameter, e.g. {@code repository:a/b:pull,push}
     */
    public String mintToken(String user, String service, List<String> scopes) {
        return signJwt(user, service, scopes, Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            Reply reply;
            try {
                Map<String, List<String>> params = parseForm(exchange.getRequestURI().getRawQuery());
                reply = switch (method) {
                    case "GET" -> handleGet(exchange.getRequestHeaders().getFirst("Authorization"), params);
                    case "POST" -> {
                        byte[] form = exchange.getRequestBody().readAllBytes();
                        params.putAll(parseForm(new String(form, StandardCharsets.UTF_8)));
                        yield handlePost(params);
                    }
                    default -> Ask.unparsed(method).error(405, "UNSUPPORTED", "method not allowed");
                };
            } catch (IllegalArgumentException e) { // bad Base64 or URL encoding
                reply = Ask.unparsed(method).error(400, "UNSUPPORTED", "malformed request: " + e.getMessage());
            } catch (RuntimeException e) {
                // HttpServer would just drop the connection, which is hard to debug from a client.
                reply = Ask.unparsed(method).error(500, "UNKNOWN", e.toString());
            }
            Ask ask = reply.ask;
            requests.add(new TokenRequest(ask.method, ask.grantType, ask.user, ask.service, ask.scopes,
                    ask.offline, reply.status, exchange.getRequestHeaders().getFirst("User-Agent")));
            byte[] body = JSON.writeValueAsBytes(reply.body);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private Reply handleGet(String authorization, Map<String, List<String>> params) {
        String user = null;
        String password = null;
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String[] credentials = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8).split(":", 2);
            user = credentials[0];
            password = credentials.length == 2 ? credentials[1] : "";
        }
        Ask ask = new Ask("GET", null, user, first(params, "service"), params.getOrDefault("scope", List.of()),
                "true".equals(first(params, "offline_token")));
        if (user != null && !password.equals(users.get(user))) {
            return ask.error(401, "UNAUTHORIZED", "invalid username or password");
        }
        return ask.service == null ? ask.error(400, "UNSUPPORTED", "service is required") : issue(ask);
    }

    private Reply handlePost(Map<String, List<String>> params) {
        String grantType = first(params, "grant_type");
        String scope = first(params, "scope");
        List<String> scopes = scope == null || scope.isBlank() ? List.of() : List.of(scope.trim().split("\\s+"));
        boolean offline = "offline".equals(first(params, "access_type"));
        String service = first(params, "service");
        String user = switch (String.valueOf(grantType)) {
            case "password" -> first(params, "username");
            case "refresh_token" -> refreshTokens.get(String.valueOf(first(params, "refresh_token")));
            default -> null;
        };
        Ask ask = new Ask("POST", grantType, user, service, scopes, offline);
        if (service == null || first(params, "client_id") == null) {
            return ask.error(400, "UNSUPPORTED", "service and client_id are required");
        }
        return switch (String.valueOf(grantType)) {
            case "password" -> user != null && String.valueOf(first(params, "password")).equals(users.get(user))
                    ? issue(ask) : ask.error(401, "UNAUTHORIZED", "invalid username or password");
            case "refresh_token" -> user != null ? issue(ask) : ask.error(401, "UNAUTHORIZED", "invalid refresh token");
            default -> ask.error(400, "UNSUPPORTED", "unsupported grant_type " + grantType);
        };
    }

    /** Issues an access token for an authenticated (or anonymous) request. */
    private Reply issue(Ask ask) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String token = signJwt(ask.user, ask.service, ask.scopes, now);
        tokensIssued.incrementAndGet();
        ObjectNode body = JSON.createObjectNode()
                .put("token", token)
                .put("access_token", token)
                .put("expires_in", tokenLifetime.toSeconds())
                .put("issued_at", now.toString());
        if ("POST".equals(ask.method)) {
            body.put("scope", String.join(" ", ask.scopes));
        }
        // Refresh tokens need a subject, so anonymous offline requests just get none. The
        // refresh grant returns none either: the client keeps using the one it has.
        if (ask.offline && ask.user != null && !"refresh_token".equals(ask.grantType)) {
            String refreshToken = randomHex(24);
            refreshTokens.put(refreshToken, ask.user);
            body.put("refresh_token", refreshToken);
        }
        return new Reply(ask, 200, body);
    }

    private String signJwt(String user, String service, List<String> scopes, Instant now) {
        ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
        header.putArray("x5c").add(Base64.getEncoder().encodeToString(TestPki.get().tokenCertDer()));
        ObjectNode claims = JSON.createObjectNode()
                .put("iss", issuer)
                .put("sub", user == null ? "" : user)
                .put("aud", service) // distribution 2.8 expects a single string here
                .put("exp", now.plus(tokenLifetime).getEpochSecond())
                .put("nbf", now.getEpochSecond())
                .put("iat", now.getEpochSecond())
                .put("jti", randomHex(16));
        ArrayNode access = claims.putArray("access");
        for (String scope : scopes) {
            // type:name:actions; the name may itself contain ':' (e.g. a registry host with port).
            int firstColon = scope.indexOf(':');
            int lastColon = scope.lastIndexOf(':');
            if (firstColon < 0 || firstColon == lastColon) {
                continue; // malformed scope: grant nothing
            }
            String type = scope.substring(0, firstColon);
            String name = scope.substring(firstColon + 1, lastColon);
            Set<String> granted = new LinkedHashSet<>(Arrays.asList(scope.substring(lastColon + 1).split(",")));
            granted.retainAll("repository".equals(type) ? policy.allowedActions(user, name) : Set.of());
            ObjectNode entry = access.addObject().put("type", type).put("name", name);
            granted.forEach(entry.putArray("actions")::add);
        }
        try {
            String signingInput = base64Url(JSON.writeValueAsBytes(header)) + "." + base64Url(JSON.writeValueAsBytes(claims));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(TestPki.get().tokenSigningKey());
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + base64Url(signature.sign());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign token", e);
        }
    }

    private static Map<String, List<String>> parseForm(String raw) {
        Map<String, List<String>> params = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return params;
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** What a request asked for; {@code user} is the claimed (not necessarily valid) user. */
    private record Ask(String method, String grantType, String user, String service, List<String> scopes,
                       boolean offline) {

        /** For requests that could not be understood. */
        static Ask unparsed(String method) {
            return new Ask(method, null, null, null, List.of(), false);
        }

        Reply error(int status, String code, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.putArray("errors").addObject().put("code", code).put("message", message);
            return new Reply(this, status, body);
        }
    }

    private record Reply(Ask ask, int status, ObjectNode body) {
    }

    /** Configures a {@link TokenServer}; every setting has a default. */
    public static final class Builder {
        private String issuer = "test-issuer";
        private Map<String, String> users = DEFAULT_USERS;
        private AccessPolicy policy = DEFAULT_POLICY;
        private Duration tokenLifetime = Duration.ofSeconds(300);

        private Builder() {
        }

        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** User name to password. */
        public Builder users(Map<String, String> users) {
            this.users = users;
            return this;
        }

        public Builder policy(AccessPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Lifetime ({@code exp - iat}, {@code expires_in}) of issued tokens; whole seconds. */
        public Builder tokenLifetime(Duration tokenLifetime) {
            this.tokenLifetime = tokenLifetime;
            return this;
        }

        public TokenServer start() {
            try {
                return new TokenServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start token server", e);
            }
        }
    }
}
