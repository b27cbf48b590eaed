package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FakeCredentialHelper;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TokenServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pulls that find their credentials the way docker does: auth files, credential helpers, tokens. */
@ExtendWith(SharedResources.class)
class AuthConfigPullTest {

    @TempDir
    Path dir;

    private static String push(LocalRegistry registry, String repo) {
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, repo), repo, "1");
        return registry.hostPort() + "/" + repo + ":1";
    }

    private static String auth(String user, String password) {
        return "{\"auth\":\"" + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\"}";
    }

    private static Path write(Path file, String json) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** docker's config.json for this CLI run ($DOCKER_CONFIG/config.json). */
    private static Path dockerConfig(ExporterCli cli, String json) {
        return write(cli.home().resolve(".docker/config.json"), json);
    }

    private ExporterCli.Result pull(ExporterCli cli, String ref, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(ref, "-o", dir.resolve("out.tar").toString()));
        args.addAll(List.of(extra));
        return cli.run(args.toArray(String[]::new));
    }

    private ExporterCli withHelpersOnPath(ExporterCli cli) {
        return cli.env("PATH", cli.home().resolve("bin") + ":" + System.getenv("PATH"));
    }

    @Test
    void pull_withAuthInDockerConfig_pullsPrivateImageAsThatUser() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/cfg-auth");
        ExporterCli cli = ExporterCli.create();
        dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "alice-secret") + "}}");
        registry.tokenServer().reset();

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(0, result.exitCode(), result.stderr());
        List<TokenServer.TokenRequest> requests = registry.tokenServer().requests();
        assertFalse(requests.isEmpty());
        assertTrue(requests.stream().allMatch(r -> "alice".equals(r.user()) && r.status() == 200), requests.toString());
    }

    @Test
    void pull_withUsernamePasswordFieldsInPodmanRuntimeAuthFile_pullsFromBasicRegistry() {
        LocalRegistry registry = SharedRegistries.htpasswd();
        String ref = push(registry, "basic/podman-fields");
        ExporterCli cli = ExporterCli.create().env("REGISTRY_AUTH_FILE", null);
        write(cli.home().resolve("run/containers/auth.json"), "{\"auths\":{\"http://" + registry.hostPort()
                + "/v2/\":{\"username\":\"bob\",\"password\":\"bob-secret\"}}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(0, result.exitCode(), result.stderr());
    }

    @Test
    void pull_withCredsStoreHelperOnPath_pullsPrivateImage() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/helper");
        ExporterCli cli = withHelpersOnPath(ExporterCli.create());
        FakeCredentialHelper helper = FakeCredentialHelper.install(cli.home().resolve("bin"), "fake")
                .put(registry.hostPort(), "alice", "alice-secret");
        dockerConfig(cli, "{\"credsStore\":\"fake\",\"auths\":{\"" + registry.hostPort() + "\":{}}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of("get"), helper.calls(), "helper asked once");
    }

    @Test
    void pull_credHelpersEntryBeatsCredsStore_andCredsStoreBeatsAuthsEntry() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/helper-order");
        ExporterCli perRegistry = withHelpersOnPath(ExporterCli.create());
        FakeCredentialHelper.script(perRegistry.home().resolve("bin"), "broken", "echo 'must not be used'; exit 1");
        FakeCredentialHelper.install(perRegistry.home().resolve("bin"), "good").put(registry.hostPort(), "alice", "alice-secret");
        dockerConfig(perRegistry, "{\"credsStore\":\"broken\",\"credHelpers\":{\"" + registry.hostPort() + "\":\"good\"},"
                + "\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "wrong") + "}}");
        ExporterCli storeOverFile = withHelpersOnPath(ExporterCli.create());
        FakeCredentialHelper.install(storeOverFile.home().resolve("bin"), "good").put(registry.hostPort(), "alice", "alice-secret");
        dockerConfig(storeOverFile, "{\"credsStore\":\"good\",\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "wrong") + "}}");

        ExporterCli.Result first = pull(perRegistry, ref);
        ExporterCli.Result second = pull(storeOverFile, ref);

        assertEquals(0, first.exitCode(), first.stderr());
        assertEquals(0, second.exitCode(), second.stderr());
    }

    @Test
    void pull_withIdentityToken_exchangesItWithRefreshTokenGrant() throws Exception {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/identity");
        String refreshToken = offlineRefreshToken(registry.tokenServer(), "alice", "alice-secret");
        ExporterCli cli = ExporterCli.create();
        dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("alice:".getBytes(StandardCharsets.UTF_8))
                + "\",\"identitytoken\":\"" + refreshToken + "\"}}}");
        registry.tokenServer().reset();

        ExporterCli.Result result = pull(cli, ref, "--debug");

        assertEquals(0, result.exitCode(), result.stderr());
        List<TokenServer.TokenRequest> requests = registry.tokenServer().requests();
        assertFalse(requests.isEmpty());
        assertTrue(requests.stream().allMatch(r -> "POST".equals(r.method()) && "refresh_token".equals(r.grantType())
                && "alice".equals(r.user())), requests.toString());
        assertFalse(result.stderr().contains(refreshToken), "token never printed");
    }

    @Test
    void pull_withRevokedIdentityToken_saysItWasRejectedAndSuggestsLogin() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/identity-bad");
        ExporterCli cli = ExporterCli.create();
        Path config = dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":{\"identitytoken\":\"unknown-token\"}}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertTrue(result.error().contains("the identity token from " + config + " was rejected by the token service"), result.error());
        assertTrue(result.error().contains("exporter login " + registry.hostPort()), result.error());
        assertFalse(result.stderr().contains("unknown-token"));
    }

    @Test
    void pull_withRegistryToken_sendsItAsBearerWithoutAskingTheTokenServer() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/regtoken");
        String token = registry.tokenServer().mintToken("alice", LocalRegistry.TOKEN_SERVICE,
                List.of("repository:private/regtoken:pull"));
        ExporterCli cli = ExporterCli.create();
        dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":{\"registrytoken\":\"" + token + "\"}}}");
        registry.tokenServer().reset();

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(), registry.tokenServer().requests());
    }

    @Test
    void pull_withWrongPasswordInConfig_failsNamingRegistryAndFileAndSuggestsLogin() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/cfg-wrong");
        ExporterCli cli = ExporterCli.create();
        Path config = dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "not-it") + "}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertEquals("exporter: authenticate to " + registry.hostPort() + ": credentials for user 'alice' from " + config
                + " were rejected by the token service - check them, or log in again with 'exporter login "
                + registry.hostPort() + "'", result.error());
        assertFalse(result.stderr().contains("not-it"));
    }

    @Test
    void pull_withWrongPasswordInConfig_onBasicRegistry_saysCredentialsFromTheFileWereSent() {
        LocalRegistry registry = SharedRegistries.htpasswd();
        String ref = push(registry, "basic/cfg-wrong");
        ExporterCli cli = ExporterCli.create();
        Path config = dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "not-it") + "}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertTrue(result.error().contains("access denied to repository basic/cfg-wrong on " + registry.hostPort()), result.error());
        assertTrue(result.error().contains("credentials were sent but not accepted (user 'alice' from " + config + ")"),
                result.error());
        assertTrue(result.error().contains("exporter login " + registry.hostPort()), result.error());
    }

    @Test
    void pull_repoTheConfiguredUserMayNotRead_saysWhoseCredentialsWereSent() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/cfg-alice-only");
        ExporterCli cli = ExporterCli.create();
        Path config = dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("bob", "bob-secret") + "}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertTrue(result.error().contains("access denied to repository private/cfg-alice-only on " + registry.hostPort()),
                result.error());
        assertTrue(result.error().contains("credentials were sent but not accepted (user 'bob' from " + config + ")"),
                result.error());
    }

    @Test
    void pull_privateRepo_withCredentialsOnlyForAnotherRegistry_saysNoCredentialsWereSent() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/cfg-other");
        ExporterCli cli = ExporterCli.create();
        dockerConfig(cli, "{\"auths\":{\"quay.io\":" + auth("alice", "alice-secret") + "}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertTrue(result.error().contains("no credentials were sent - use 'exporter login " + registry.hostPort() + "'"),
                result.error());
    }

    @Test
    void pull_withMissingCredsStoreHelper_failsNamingTheHelper() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/no-helper");
        ExporterCli cli = withHelpersOnPath(ExporterCli.create());
        Path config = dockerConfig(cli, "{\"credsStore\":\"nonexistent\"}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().contains("docker-credential-nonexistent is not installed"), result.error());
        assertTrue(result.error().contains("\"credsStore\" in " + config), result.error());
    }

    @Test
    void pull_withFailingCredHelper_failsNamingTheHelperAndItsMessage() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/bad-helper");
        ExporterCli cli = withHelpersOnPath(ExporterCli.create());
        FakeCredentialHelper.script(cli.home().resolve("bin"), "failing", "cat >/dev/null; echo 'error: keyring locked' >&2; exit 4");
        dockerConfig(cli, "{\"credHelpers\":{\"" + registry.hostPort() + "\":\"failing\"}}");

        ExporterCli.Result result = pull(cli, ref);

        assertEquals(1, result.exitCode());
        assertTrue(result.error().contains("docker-credential-failing failed (exit code 4): error: keyring locked"), result.error());
    }

    @Test
    void pull_withAuthfileOption_usesOnlyThatFile() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/authfile");
        ExporterCli cli = ExporterCli.create();
        dockerConfig(cli, "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "wrong") + "}}");
        Path mine = write(dir.resolve("mine.json"), "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("alice", "alice-secret") + "}}");

        ExporterCli.Result withOption = pull(cli, ref, "--authfile", mine.toString());
        ExporterCli.Result without = pull(cli, ref);

        assertEquals(0, withOption.exitCode(), withOption.stderr());
        assertEquals(1, without.exitCode(), "the docker config's wrong password is used without --authfile");
    }

    @Test
    void flagsBeatEnvironment_andEnvironmentBeatsAuthFile() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/precedence");
        ExporterCli envOverFile = ExporterCli.create().env("EXPORTER_USERNAME", "alice").env("EXPORTER_PASSWORD", "alice-secret");
        dockerConfig(envOverFile, "{\"auths\":{\"" + registry.hostPort() + "\":" + auth("bob", "bob-secret") + "}}");
        ExporterCli flagsOverEnv = ExporterCli.create().env("EXPORTER_USERNAME", "bob").env("EXPORTER_PASSWORD", "wrong")
                .stdin("alice-secret\n");

        ExporterCli.Result env = pull(envOverFile, ref);
        ExporterCli.Result flags = pull(flagsOverEnv, ref, "-u", "alice", "--password-stdin");

        assertEquals(0, env.exitCode(), env.stderr());
        assertEquals(0, flags.exitCode(), flags.stderr());
    }

    /** A refresh token as docker login gets one: OAuth2 password grant asking for offline access. */
    private static String offlineRefreshToken(TokenServer tokenServer, String user, String password) throws Exception {
        String form = "grant_type=password&access_type=offline&client_id=test&service=" + LocalRegistry.TOKEN_SERVICE
                + "&username=" + user + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(tokenServer.realm())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = Json.mapper().readTree(response.body());
        return body.get("refresh_token").asText();
    }
}
