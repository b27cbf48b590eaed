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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code exporter login} and {@code logout} against the real registries, and pulls using what login stored. */
@ExtendWith(SharedResources.class)
class LoginLogoutTest {

    @TempDir
    Path dir;

    private static String push(LocalRegistry registry, String repo) {
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, repo), repo, "1");
        return registry.hostPort() + "/" + repo + ":1";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertNoSecret(ExporterCli.Result result, String secret) {
        assertFalse(result.stderr().contains(secret), "secret on stderr: " + result.stderr());
        assertFalse(result.stdoutText().contains(secret), "secret on stdout: " + result.stdoutText());
        assertFalse(result.stderr().contains(b64(secret)) || result.stdoutText().contains(b64(secret)), "encoded secret printed");
    }

    @Test
    void login_thenPullWithoutFlags_thenLogout_onTokenRegistry() throws IOException {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/login-flow");
        ExporterCli cli = ExporterCli.create();
        Path authFile = cli.home().resolve("auth.json"); // REGISTRY_AUTH_FILE, first in the lookup order

        ExporterCli.Result login = cli.stdin("alice-secret\n")
                .run("login", registry.hostPort(), "-u", "alice", "--password-stdin", "--debug");

        assertEquals(0, login.exitCode(), login.stderr());
        assertEquals("Login succeeded: credentials for user 'alice' on " + registry.hostPort() + " stored in " + authFile,
                login.stdoutText().strip());
        assertNoSecret(login, "alice-secret");
        JsonNode stored = Json.mapper().readTree(authFile.toFile());
        assertEquals(b64("alice:alice-secret"), stored.path("auths").path(registry.hostPort()).path("auth").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(authFile)));

        ExporterCli.Result pull = cli.stdin("").run(ref, "-o", dir.resolve("a.tar").toString(), "--debug");
        assertEquals(0, pull.exitCode(), pull.stderr());
        assertNoSecret(pull, "alice-secret");

        ExporterCli.Result logout = cli.run("logout", registry.hostPort());
        assertEquals(0, logout.exitCode(), logout.stderr());
        assertEquals("Removed credentials for " + registry.hostPort() + " from " + authFile, logout.stdoutText().strip());
        assertFalse(Files.readString(authFile).contains(registry.hostPort()), Files.readString(authFile));

        ExporterCli.Result denied = cli.run(ref, "-o", dir.resolve("b.tar").toString());
        assertEquals(1, denied.exitCode());
        assertTrue(denied.error().contains("no credentials were sent"), denied.error());

        ExporterCli.Result again = cli.run("logout", registry.hostPort());
        assertEquals(0, again.exitCode(), again.stderr());
        assertTrue(again.stdoutText().startsWith("Not logged in to " + registry.hostPort()), again.stdoutText());
    }

    @Test
    void login_withWrongPassword_failsWithExit1_andStoresNothing() {
        LocalRegistry registry = SharedRegistries.token();
        ExporterCli cli = ExporterCli.create().stdin("not-the-password\n");

        ExporterCli.Result result = cli.run("login", registry.hostPort(), "-u", "alice", "--password-stdin", "--debug");

        assertEquals(1, result.exitCode());
        assertTrue(result.stderr().startsWith("exporter: log in to " + registry.hostPort()
                + ": the registry rejected user 'alice' - check the user name and password; nothing was stored"), result.stderr());
        assertNoSecret(result, "not-the-password");
        assertFalse(Files.exists(cli.home().resolve("auth.json")));
    }

    @Test
    void login_toBasicRegistry_intoExistingDockerConfig_keepsItsOtherContent() throws IOException {
        LocalRegistry registry = SharedRegistries.htpasswd();
        String ref = push(registry, "basic/login");
        ExporterCli cli = ExporterCli.create().env("REGISTRY_AUTH_FILE", null)
                .env("EXPORTER_USERNAME", "bob").env("EXPORTER_PASSWORD", "bob-secret");
        Path config = cli.home().resolve(".docker/config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("q:q") + "\"}},\"psFormat\":\"{{.ID}}\","
                + "\"someFutureKey\":{\"a\":[1,2]}}");

        ExporterCli.Result login = cli.run("login", "http://" + registry.hostPort() + "/");

        assertEquals(0, login.exitCode(), login.stderr());
        JsonNode stored = Json.mapper().readTree(config.toFile());
        assertEquals(b64("bob:bob-secret"), stored.at("/auths/" + registry.hostPort() + "/auth").asText());
        assertEquals(b64("q:q"), stored.at("/auths/quay.io/auth").asText());
        assertEquals("{{.ID}}", stored.get("psFormat").asText());
        assertEquals("{\"a\":[1,2]}", stored.get("someFutureKey").toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));

        ExporterCli.Result pull = ExporterCli.create().env("REGISTRY_AUTH_FILE", null)
                .env("DOCKER_CONFIG", config.getParent().toString()).run(ref, "-o", dir.resolve("out.tar").toString());
        assertEquals(0, pull.exitCode(), pull.stderr());
    }

    @Test
    void login_withAuthfile_createsThatFileAndFolders() throws IOException {
        LocalRegistry registry = SharedRegistries.htpasswd();
        Path file = dir.resolve("nested/creds.json");

        ExporterCli.Result login = ExporterCli.create().stdin("alice-secret\n")
                .run("login", registry.hostPort(), "-u", "alice", "--password-stdin", "--authfile", file.toString());
        ExporterCli.Result logout = ExporterCli.create().run("logout", registry.hostPort(), "--authfile", file.toString());

        assertEquals(0, login.exitCode(), login.stderr());
        assertTrue(login.stdoutText().contains("stored in " + file), login.stdoutText());
        assertEquals(0, logout.exitCode(), logout.stderr());
        assertEquals("{}", Json.mapper().readTree(file.toFile()).get("auths").toString());
    }

    @Test
    void login_withCredsStore_storesInTheHelper_andLogoutErasesThere() throws IOException {
        LocalRegistry registry = SharedRegistries.token();
        String ref = push(registry, "private/login-helper");
        ExporterCli cli = ExporterCli.create().env("REGISTRY_AUTH_FILE", null);
        cli.env("PATH", cli.home().resolve("bin") + ":" + System.getenv("PATH"));
        FakeCredentialHelper helper = FakeCredentialHelper.install(cli.home().resolve("bin"), "fake");
        Path config = cli.home().resolve(".docker/config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "{\"credsStore\":\"fake\"}");

        ExporterCli.Result login = cli.stdin("alice-secret\n").run("login", registry.hostPort(), "-u", "alice", "--password-stdin");

        assertEquals(0, login.exitCode(), login.stderr());
        assertTrue(login.stdoutText().contains("stored in credential helper docker-credential-fake"), login.stdoutText());
        assertEquals("{\"ServerURL\":\"" + registry.hostPort() + "\",\"Username\":\"alice\",\"Secret\":\"alice-secret\"}",
                helper.stored());
        assertFalse(Files.readString(config).contains(b64("alice:alice-secret")), "secret stays out of the file");
        assertEquals("{}", Json.mapper().readTree(config.toFile()).at("/auths/" + registry.hostPort()).toString());

        helper.put(registry.hostPort(), "alice", "alice-secret");
        ExporterCli.Result pull = cli.stdin("").run(ref, "-o", dir.resolve("out.tar").toString());
        assertEquals(0, pull.exitCode(), pull.stderr());

        ExporterCli.Result logout = cli.run("logout", registry.hostPort());
        assertEquals(0, logout.exitCode(), logout.stderr());
        assertEquals(registry.hostPort(), helper.erased());
        assertEquals(List.of("store", "get", "erase"), helper.calls());
    }

    @Test
    void login_withoutPassword_isAUsageError_andInvalidRegistryToo() {
        ExporterCli.Result noUser = ExporterCli.create().run("login", "127.0.0.1:1");
        ExporterCli.Result badName = ExporterCli.create().env("EXPORTER_USERNAME", "a").env("EXPORTER_PASSWORD", "b")
                .run("login", "not a host");

        assertEquals(2, noUser.exitCode());
        assertTrue(noUser.stderr().startsWith("exporter: login needs a user name and password"), noUser.stderr());
        assertEquals(2, badName.exitCode());
        assertTrue(badName.stderr().startsWith("exporter: invalid registry 'not a host'"), badName.stderr());
    }
}
