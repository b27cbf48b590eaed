package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestHosts;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TokenServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Private repositories behind token and Basic auth, and TLS registries, against the real registry. */
@ExtendWith(SharedResources.class)
class PullAuthAndTlsTest {

    @TempDir
    Path dir;

    private static String pushPrivate(LocalRegistry registry, String repo, TestImage image) {
        new RegistryPusher(registry).push(image, repo, "1");
        return registry.hostPort() + "/" + repo + ":1";
    }

    private static String configDigestInArchive(Path archive) throws IOException {
        JsonNode manifest = Json.parse(PullToDockerTest.read(archive, "manifest.json"), "manifest.json");
        return "sha256:" + manifest.get(0).get("Config").asText().replace(".json", "");
    }

    @Test
    void pull_privateRepoOnTokenRegistry_withPasswordStdin_succeeds() throws IOException {
        LocalRegistry registry = SharedRegistries.token();
        TestImage image = TestImages.small(ImageFormat.DOCKER, "token-private");
        String ref = pushPrivate(registry, "private/token-app", image);
        registry.tokenServer().reset();
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().stdin("alice-secret\n")
                .run(ref, "-o", out.toString(), "-u", "alice", "--password-stdin");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(image.configDigest(), configDigestInArchive(out));
        assertFalse(result.stderr().contains("alice-secret"), "password never printed");
        List<TokenServer.TokenRequest> requests = registry.tokenServer().requests();
        assertTrue(requests.stream().allMatch(r -> "alice".equals(r.user())), requests.toString());
        assertTrue(requests.stream().allMatch(r -> r.userAgent() != null && r.userAgent().startsWith("exporter/")),
                requests.toString());
        // one token for the repository scope serves manifest, config and all three layers
        assertEquals(1, registry.tokenServer().tokensIssued(), requests.toString());
    }

    @Test
    void pull_privateRepoOnTokenRegistry_withEnvironmentCredentials_succeeds() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = pushPrivate(registry, "private/env-app", TestImages.small(ImageFormat.OCI, "env"));

        ExporterCli.Result result = ExporterCli.create()
                .env("EXPORTER_USERNAME", "alice").env("EXPORTER_PASSWORD", "alice-secret")
                .run(ref, "-o", dir.resolve("out.tar").toString());

        assertEquals(0, result.exitCode(), result.stderr());
    }

    @Test
    void pull_privateRepoWithoutCredentials_failsWithExit1AndSaysNoCredentialsWereSent() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = pushPrivate(registry, "private/no-creds", TestImages.small(ImageFormat.DOCKER, "nocreds"));
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "-o", out.toString());

        assertEquals(1, result.exitCode());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().startsWith("exporter: pull manifest " + ref + ": access denied to repository private/no-creds on " + registry.hostPort()), result.error());
        assertTrue(result.error().contains("no credentials were sent"), result.error());
        assertTrue(result.error().contains("exporter login " + registry.hostPort()), result.error());
        assertFalse(Files.exists(out));
    }

    @Test
    void pull_withWrongPassword_failsWithExit1AndNamesTheRegistry() throws IOException {
        LocalRegistry registry = SharedRegistries.token();
        String ref = pushPrivate(registry, "private/wrong-pw", TestImages.small(ImageFormat.DOCKER, "wrongpw"));
        Path out = dir.resolve("out.tar");

        ExporterCli.Result result = ExporterCli.create().stdin("not-the-password\n")
                .run(ref, "-o", out.toString(), "-u", "alice", "--password-stdin");

        assertEquals(1, result.exitCode());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().contains(registry.hostPort()), result.error());
        assertTrue(result.error().contains("rejected"), result.error());
        assertFalse(result.stderr().contains("not-the-password"));
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no partial or temporary files left");
        }
    }

    @Test
    void pull_repoTheUserMayNotRead_failsSayingCredentialsWereSent() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = pushPrivate(registry, "private/alice-only", TestImages.small(ImageFormat.DOCKER, "bob"));

        ExporterCli.Result result = ExporterCli.create().stdin("bob-secret\n")
                .run(ref, "-o", dir.resolve("out.tar").toString(), "-u", "bob", "--password-stdin");

        assertEquals(1, result.exitCode());
        assertTrue(result.error().contains("access denied to repository private/alice-only"), result.error());
        assertTrue(result.error().contains("credentials were sent"), result.error());
    }

    @Test
    void pull_publicRepoOnTokenRegistry_anonymously_succeeds() {
        LocalRegistry registry = SharedRegistries.token();
        String ref = pushPrivate(registry, "public/anon", TestImages.small(ImageFormat.DOCKER, "anon"));

        ExporterCli.Result result = ExporterCli.create().run(ref, "-o", dir.resolve("out.tar").toString());

        assertEquals(0, result.exitCode(), result.stderr());
    }

    @Test
    void pull_fromBasicAuthRegistry_withCredentials_succeeds_andWithoutFails() {
        LocalRegistry registry = SharedRegistries.htpasswd();
        String ref = pushPrivate(registry, "basic/app", TestImages.small(ImageFormat.DOCKER, "basic"));

        ExporterCli.Result ok = ExporterCli.create().stdin("alice-secret\n")
                .run(ref, "-o", dir.resolve("ok.tar").toString(), "--username", "alice", "--password-stdin");
        ExporterCli.Result denied = ExporterCli.create().run(ref, "-o", dir.resolve("denied.tar").toString());
        ExporterCli.Result wrong = ExporterCli.create().stdin("nope\n")
                .run(ref, "-o", dir.resolve("wrong.tar").toString(), "-u", "alice", "--password-stdin");

        assertEquals(0, ok.exitCode(), ok.stderr());
        assertEquals(1, denied.exitCode());
        assertTrue(denied.error().contains("no credentials were sent"), denied.error());
        assertEquals(1, wrong.exitCode());
        assertTrue(wrong.error().contains("credentials were sent but not accepted"), wrong.error());
    }

    @Test
    void usernameWithoutPassword_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("127.0.0.1:1/x:1", "-u", "alice");

        assertEquals(2, result.exitCode());
        assertTrue(result.stderr().startsWith("exporter: --username needs a password"), result.stderr());
    }

    @Test
    void pull_fromTlsRegistryByName_withCaCert_succeeds() {
        LocalRegistry registry = SharedRegistries.tls();
        String ref = pushPrivate(registry, "tls/app", TestImages.small(ImageFormat.DOCKER, "tls"))
                .replace("127.0.0.1", TestHosts.NAME);

        ExporterCli.Result result = ExporterCli.create().jvmArgs(TestHosts.jvmArg()).stdin("alice-secret\n")
                .run(ref, "-o", dir.resolve("out.tar").toString(), "--ca-cert", registry.caCert().toString(),
                        "-u", "alice", "--password-stdin");

        assertEquals(0, result.exitCode(), result.stderr());
    }

    @Test
    void pull_fromTlsRegistryByName_withoutCaCert_failsWithHint_andInsecureSucceeds() {
        LocalRegistry registry = SharedRegistries.tls();
        String ref = pushPrivate(registry, "tls/untrusted", TestImages.small(ImageFormat.DOCKER, "untrusted"))
                .replace("127.0.0.1", TestHosts.NAME);

        ExporterCli.Result untrusted = ExporterCli.create().jvmArgs(TestHosts.jvmArg())
                .run(ref, "-o", dir.resolve("a.tar").toString());
        ExporterCli.Result insecure = ExporterCli.create().jvmArgs(TestHosts.jvmArg()).stdin("alice-secret\n")
                .run(ref, "-o", dir.resolve("b.tar").toString(), "--insecure", "-u", "alice", "--password-stdin");

        assertEquals(1, untrusted.exitCode());
        assertEquals(1, untrusted.error().lines().count(), untrusted.stderr());
        assertTrue(untrusted.error().contains("TLS verification of " + TestHosts.NAME), untrusted.error());
        assertTrue(untrusted.error().contains("--ca-cert"), untrusted.error());
        assertFalse(Files.exists(dir.resolve("a.tar")));
        assertEquals(0, insecure.exitCode(), insecure.stderr());
    }

    @Test
    void pull_fromPlainHttpRegistryByName_needsPlainHttp() {
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, "plain"), "plain/app", "1");
        String ref = TestHosts.NAME + ":" + registry.hostPort().split(":")[1] + "/plain/app:1";

        ExporterCli.Result https = ExporterCli.create().jvmArgs(TestHosts.jvmArg())
                .run(ref, "-o", dir.resolve("a.tar").toString());
        ExporterCli.Result plain = ExporterCli.create().jvmArgs(TestHosts.jvmArg())
                .run(ref, "-o", dir.resolve("b.tar").toString(), "--plain-http");

        assertEquals(1, https.exitCode());
        assertTrue(https.error().contains("does not speak TLS; use --plain-http"), https.error());
        assertEquals(0, plain.exitCode(), plain.stderr());
    }

    @Test
    void pull_fromLoopbackTlsRegistry_isTreatedAsInsecureLikeDocker() {
        LocalRegistry registry = SharedRegistries.tls();
        String ref = pushPrivate(registry, "tls/loopback", TestImages.small(ImageFormat.DOCKER, "loopback"));

        ExporterCli.Result result = ExporterCli.create().stdin("alice-secret\n")
                .run(ref, "-o", dir.resolve("out.tar").toString(), "-u", "alice", "--password-stdin");

        assertEquals(0, result.exitCode(), result.stderr());
    }
}
