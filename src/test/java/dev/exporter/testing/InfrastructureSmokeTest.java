package dev.exporter.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the test infrastructure itself works; keep it fast. */
@ExtendWith(SharedResources.class)
class InfrastructureSmokeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void pushesAndReadsBackFromAnonymousRegistry() throws Exception {
        assertRoundTrip(SharedRegistries.anonymous(), TestImages.small(ImageFormat.DOCKER));
    }

    @Test
    void pushesAndReadsBackFromHtpasswdRegistry() throws Exception {
        LocalRegistry registry = SharedRegistries.htpasswd();
        assertRoundTrip(registry, TestImages.small(ImageFormat.OCI));
        HttpResponse<Void> anonymous = registry.newHttpClient().send(
                HttpRequest.newBuilder(registry.baseUri().resolve("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(401, anonymous.statusCode());
    }

    @Test
    void pushesAndReadsBackFromTokenRegistry() throws Exception {
        assertRoundTrip(SharedRegistries.token(), TestImages.multiPlatform(ImageFormat.OCI));
    }

    @Test
    void pushesAndReadsBackFromTlsRegistry() throws Exception {
        LocalRegistry registry = SharedRegistries.tls();
        assertEquals("https", registry.baseUri().getScheme());
        assertNotNull(registry.caCert());
        assertRoundTrip(registry, TestImages.zstd());
    }

    @Test
    void tokenServerAppliesDefaultPolicy() throws Exception {
        TokenServer tokens = SharedRegistries.token().tokenServer();
        tokens.reset();
        String scope = "&scope=" + URLEncoder.encode("repository:private/app:pull,push", StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode("repository:public/app:pull,push", StandardCharsets.UTF_8);

        JsonNode bob = tokenClaims(getToken(tokens, "bob:bob-secret", scope + "&offline_token=true"));
        assertEquals(Set.of(), actions(bob, "private/app"));
        assertEquals(Set.of("pull"), actions(bob, "public/app"));
        assertEquals("bob", bob.get("sub").asText());
        assertEquals("test-issuer", bob.get("iss").asText());
        assertEquals(LocalRegistry.TOKEN_SERVICE, bob.get("aud").asText());

        JsonNode anonymous = tokenClaims(getToken(tokens, null, scope));
        assertEquals(Set.of(), actions(anonymous, "private/app"));
        assertEquals(Set.of("pull"), actions(anonymous, "public/app"));

        JsonNode alice = tokenClaims(getToken(tokens, "alice:alice-secret", scope));
        assertEquals(Set.of("pull", "push"), actions(alice, "private/app"));

        assertEquals(401, get(tokens, "bob:wrong", scope).statusCode());
        assertEquals(3, tokens.tokensIssued());
        List<TokenServer.TokenRequest> requests = tokens.requests();
        assertEquals(4, requests.size());
        assertEquals("bob", requests.get(0).user());
        assertTrue(requests.get(0).offline());
        assertEquals(List.of("repository:private/app:pull,push", "repository:public/app:pull,push"),
                requests.get(0).scopes());
        assertEquals(401, requests.get(3).status());
    }

    @Test
    void tokenServerSupportsOauthPasswordAndRefreshGrants() throws Exception {
        TokenServer tokens = TokenServer.builder().tokenLifetime(Duration.ofSeconds(42)).start();
        try (tokens) {
            JsonNode password = postToken(tokens, "grant_type=password&username=alice&password=alice-secret"
                    + "&access_type=offline&client_id=smoke&service=svc&scope=repository:a/b:pull");
            assertEquals(42, password.get("expires_in").asInt());
            String refreshToken = password.get("refresh_token").asText();
            JsonNode refreshed = postToken(tokens, "grant_type=refresh_token&refresh_token=" + refreshToken
                    + "&client_id=smoke&service=svc&scope=repository:a/b:push");
            assertEquals(Set.of("push"), actions(tokenClaims(refreshed), "a/b"));
            assertEquals("refresh_token", tokens.requests().get(1).grantType());
            assertEquals("alice", tokens.requests().get(1).user());
        }
    }

    @Test
    void dockerdAnswersAndReportsMissingImages() {
        Dockerd dockerd = SharedDockerd.get();
        assertFalse(dockerd.version().isEmpty());
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> dockerd.inspect("exporter-test/missing:latest"));
        assertTrue(missing.getMessage().contains("No such image"), missing.getMessage());
    }

    @Test
    void imagesAreDeterministic() {
        assertEquals(TestImages.small(ImageFormat.OCI).manifestDigest(), TestImages.small(ImageFormat.OCI).manifestDigest());
        assertEquals(TestImages.zstd().manifestDigest(), TestImages.zstd().manifestDigest());
        TestImage repeated = TestImages.repeatedAndEmptyLayers(ImageFormat.DOCKER);
        assertEquals(repeated.diffIds().get(0), repeated.diffIds().get(2));
        assertEquals(5, repeated.config().get("history").size());
        assertEquals(32, TestImages.manyLayers(ImageFormat.DOCKER, 32).layers().size());
    }

    /** Pushes as admin, reads the manifest back as admin, and checks bytes and digest. */
    private static void assertRoundTrip(LocalRegistry registry, TestArtifact artifact) {
        RegistryPusher pusher = new RegistryPusher(registry);
        String digest = pusher.push(artifact, "smoke/image", "v1");
        assertEquals(artifact.manifestDigest(), digest);
        HttpResponse<byte[]> response = pusher.getManifest("smoke/image", "v1");
        assertEquals(200, response.statusCode(), () -> new String(response.body(), StandardCharsets.UTF_8));
        assertArrayEquals(artifact.manifestBytes(), response.body());
        assertEquals(digest, response.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals(artifact.mediaType(), response.headers().firstValue("Content-Type").orElseThrow());
    }

    private static HttpResponse<String> get(TokenServer tokens, String credentials, String query) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create(tokens.realm() + "?service=" + LocalRegistry.TOKEN_SERVICE + query));
        if (credentials != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode getToken(TokenServer tokens, String credentials, String query) throws Exception {
        HttpResponse<String> response = get(tokens, credentials, query);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static JsonNode postToken(TokenServer tokens, String form) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(tokens.realm())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** Decodes (without verifying) the claims of the token in a token-server response. */
    private static JsonNode tokenClaims(JsonNode tokenResponse) throws Exception {
        assertEquals(tokenResponse.get("token"), tokenResponse.get("access_token"));
        String[] parts = tokenResponse.get("token").asText().split("\\.");
        return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    }

    private static Set<String> actions(JsonNode claims, String repository) {
        return StreamSupport.stream(claims.get("access").spliterator(), false)
                .filter(entry -> entry.get("name").asText().equals(repository))
                .flatMap(entry -> StreamSupport.stream(entry.get("actions").spliterator(), false))
                .map(JsonNode::asText)
                .collect(Collectors.toSet());
    }
}
