package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.Dockerd;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestHosts;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * registries.conf and {@code --registry-mirror} against two real registries: the primary holds image A, the mirror
 * (with Basic auth, its credentials in the auth file under the mirror's host) a different image B under the same
 * name, so every test can tell which one answered.
 */
@ExtendWith(SharedResources.class)
class PullMirrorsTest {

    private static final TestImage PRIMARY = TestImages.small(ImageFormat.OCI, "primary");
    private static final TestImage MIRRORED = TestImages.small(ImageFormat.OCI, "mirror");

    private static LocalRegistry primary;
    private static LocalRegistry mirror;
    private static String mirroredDigest;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        primary = SharedRegistries.anonymous();
        mirror = SharedRegistries.htpasswd();
        new RegistryPusher(primary).push(PRIMARY, "mirrors/app", "1");
        mirroredDigest = new RegistryPusher(mirror).push(MIRRORED, "hub/mirrors/app", "1");
        new RegistryPusher(primary).push(PRIMARY, "library/mirrortest", "1");
        new RegistryPusher(mirror).push(MIRRORED, "library/mirrortest", "1");
    }

    /** A CLI whose auth file has the mirror's credentials (the primary needs none). */
    private static ExporterCli cli() {
        return withCredentials(ExporterCli.create(), mirror.hostPort() + "/");
    }

    /** A CLI with {@code conf} as the user's registries.conf. */
    private static ExporterCli cli(String conf) {
        ExporterCli cli = cli();
        write(cli.home().resolve(".config/containers/registries.conf"), conf);
        return cli;
    }

    private static String primaryEntry(String mirrors) {
        return "[[registry]]\nprefix = \"" + primary.hostPort() + "/mirrors\"\nlocation = \"" + primary.hostPort()
                + "/mirrors\"\n" + mirrors;
    }

    private static String mirrorEntry(String location, String extra) {
        return "[[registry.mirror]]\nlocation = \"" + location + "\"\n" + extra;
    }

    private String app() {
        return primary.hostPort() + "/mirrors/app:1";
    }

    @Test
    void pull_withMirrorHoldingTheName_takesTheMirrorsImageAndKeepsTheUsersName() throws IOException {
        ExporterCli cli = cli(primaryEntry(mirrorEntry(mirror.hostPort() + "/hub/mirrors", "")));
        Path out = dir.resolve("a.tar");

        ExporterCli.Result result = cli.run(app(), "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertConfig(out, MIRRORED);
        JsonNode manifest = Json.parse(PullToDockerTest.read(out, "manifest.json"), "manifest.json");
        assertEquals(List.of(app()), PullToDockerTest.texts(manifest.get(0).get("RepoTags")));
        String from = "from " + mirror.hostPort() + "/hub/mirrors/app:1";
        assertTrue(result.stderr().contains(app() + ": " + mirroredDigest), result.stderr());
        assertTrue(result.stderr().lines().anyMatch(l -> l.startsWith("Wrote ") && l.contains(from)), result.stderr());
    }

    @Test
    void pullOci_fromMirror_namesTheOriginalReferenceInIndexJson() throws IOException {
        ExporterCli cli = cli(primaryEntry(mirrorEntry(mirror.hostPort() + "/hub/mirrors", "")));
        Path out = dir.resolve("a.oci.tar");

        ExporterCli.Result result = cli.run(app(), "--format", "oci", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode index = Json.parse(PullToDockerTest.read(out, "index.json"), "index.json");
        JsonNode annotations = index.get("manifests").get(0).get("annotations");
        assertEquals(app(), annotations.get("io.containerd.image.name").asText());
        assertEquals(app(), annotations.get("org.opencontainers.image.ref.name").asText());
        assertEquals(mirroredDigest, index.get("manifests").get(0).get("digest").asText());
    }

    @Test
    void pull_withDeadMirrorFirst_skipsItInSecondsAndUsesTheNext() throws IOException {
        String dead = "127.0.0.1:" + closedPort();
        ExporterCli cli = cli(primaryEntry(mirrorEntry(dead + "/hub/mirrors", "")
                + mirrorEntry(mirror.hostPort() + "/hub/mirrors", "")));
        Path out = dir.resolve("a.tar");

        ExporterCli.Result result = runWithinSeconds(cli, app(), "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertConfig(out, MIRRORED);
    }

    @Test
    void pull_withDeadMirrorAndMirrorLackingTheImage_fallsBackToThePrimary() throws IOException {
        String dead = "127.0.0.1:" + closedPort();
        ExporterCli cli = cli(primaryEntry(mirrorEntry(dead, "") + mirrorEntry(mirror.hostPort() + "/empty", "")));
        Path out = dir.resolve("a.tar");

        ExporterCli.Result result = runWithinSeconds(cli, app(), "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertConfig(out, PRIMARY);
        assertFalse(result.stderr().contains(" from "), result.stderr());
    }

    @Test
    void pull_whenEveryPlaceFails_namesEveryPlaceTriedInOneLine() {
        String dead = "127.0.0.1:" + closedPort();
        ExporterCli cli = cli(primaryEntry(mirrorEntry(dead + "/hub/mirrors", "")
                + mirrorEntry(mirror.hostPort() + "/hub/mirrors", "")));
        String missing = primary.hostPort() + "/mirrors/app:nope";

        ExporterCli.Result result = cli.run(missing, "-o", dir.resolve("x.tar").toString(), "--retries", "0");

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(1, result.error().lines().count(), result.stderr());
        assertTrue(result.error().startsWith("exporter: pull manifest " + missing + ": "), result.stderr());
        assertTrue(result.error().contains(dead + "/hub/mirrors/app:nope: connection refused"), result.stderr());
        assertTrue(result.error().contains(mirror.hostPort() + "/hub/mirrors/app:nope: "), result.stderr());
        assertFalse(Files.exists(dir.resolve("x.tar")));
    }

    @Test
    void pull_withPrefixRewrite_readsTheOtherRepositoryAndKeepsTheName() throws IOException {
        ExporterCli cli = cli("[[registry]]\nprefix = \"rewritten.test/team\"\nlocation = \"" + primary.hostPort()
                + "/mirrors\"\n");
        Path out = dir.resolve("r.tar");

        ExporterCli.Result result = cli.run("rewritten.test/team/app:1", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertConfig(out, PRIMARY);
        JsonNode manifest = Json.parse(PullToDockerTest.read(out, "manifest.json"), "manifest.json");
        assertEquals(List.of("rewritten.test/team/app:1"), PullToDockerTest.texts(manifest.get(0).get("RepoTags")));
        assertTrue(result.stderr().contains("from " + app()), result.stderr());
    }

    @Test
    void pull_ofBlockedName_failsWithOneLineNamingTheFile() {
        ExporterCli cli = cli("[[registry]]\nprefix = \"" + primary.hostPort() + "/mirrors\"\nlocation = \""
                + primary.hostPort() + "/mirrors\"\nblocked = true\n");
        Path conf = cli.home().resolve(".config/containers/registries.conf");

        ExporterCli.Result result = cli.run(app(), "-o", dir.resolve("b.tar").toString());

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: " + app() + " is blocked by " + conf + " (prefix \"" + primary.hostPort()
                + "/mirrors\")", result.error());
    }

    @Test
    void pull_withDigestOnlyMirror_skipsItForTagsAndUsesItForDigests() throws IOException {
        ExporterCli cli = cli(primaryEntry(mirrorEntry(mirror.hostPort() + "/hub/mirrors",
                "pull-from-mirror = \"digest-only\"\n")));
        Path byTag = dir.resolve("tag.tar");
        Path byDigest = dir.resolve("digest.tar");

        ExporterCli.Result tag = cli.run(app(), "-o", byTag.toString());
        ExporterCli.Result digest = cli.run(primary.hostPort() + "/mirrors/app@" + mirroredDigest,
                "-o", byDigest.toString());

        assertEquals(0, tag.exitCode(), tag.stderr());
        assertConfig(byTag, PRIMARY);
        assertEquals(0, digest.exitCode(), digest.stderr());
        assertConfig(byDigest, MIRRORED);
    }

    @Test
    void pull_withMalformedRegistriesConf_failsWithFileAndLine() {
        Path conf = dir.resolve("broken.conf");
        write(conf, "[[registry]]\nprefix = \"example.com\"\nlocation = \"example.com\"\ninsecure = \"yes\"\n");
        ExporterCli cli = cli().env("CONTAINERS_REGISTRIES_CONF", conf.toString());

        ExporterCli.Result result = cli.run(app(), "-o", dir.resolve("m.tar").toString());

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: read " + conf + ": line 4: insecure must be true or false, not a string",
                result.error());
    }

    @Test
    void manifestConfigInspectAndBlob_readTheMirrorToo() {
        ExporterCli cli = cli(primaryEntry(mirrorEntry(mirror.hostPort() + "/hub/mirrors", "")));

        ExporterCli.Result digest = cli.run("manifest", app(), "--digest");
        ExporterCli.Result config = cli.run("config", app());
        ExporterCli.Result inspect = cli.run("inspect", app(), "--json");
        ExporterCli.Result blob = cli.run("blob", app(), MIRRORED.configDigest());

        assertEquals(0, digest.exitCode(), digest.stderr());
        assertEquals(mirroredDigest, digest.stdoutText().strip());
        assertEquals(0, config.exitCode(), config.stderr());
        assertEquals(new String(MIRRORED.configBytes(), StandardCharsets.UTF_8), config.stdoutText());
        assertEquals(0, inspect.exitCode(), inspect.stderr());
        JsonNode summary = Json.parse(inspect.stdout(), "inspect");
        assertEquals(app(), summary.get("reference").asText());
        assertEquals(MIRRORED.configDigest(), summary.get("image").get("config").get("digest").asText());
        assertEquals(0, blob.exitCode(), blob.stderr());
        assertEquals(new String(MIRRORED.configBytes(), StandardCharsets.UTF_8), blob.stdoutText());
    }

    @Test
    void registryMirrorFlag_forDockerHubName_pullsFromTheMirrorAndLoadsUnderTheHubName() throws IOException {
        Dockerd docker = SharedDockerd.get();
        ExporterCli cli = cli().jvmArgs("-Dexporter.test.dockerHubApiHost=" + primary.hostPort());
        Path out = dir.resolve("hub.tar");

        ExporterCli.Result result = cli.run("mirrortest:1", "--registry-mirror", "http://" + mirror.hostPort(),
                "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertConfig(out, MIRRORED);
        assertTrue(result.stderr().contains("from " + mirror.hostPort() + "/library/mirrortest:1"), result.stderr());
        docker.load(out);
        JsonNode inspect = docker.inspect("mirrortest:1");
        assertEquals(MIRRORED.configDigest(), inspect.get("Id").asText());
        assertTrue(PullToDockerTest.texts(inspect.get("RepoTags")).contains("mirrortest:1"), inspect.toString());
    }

    @Test
    void registryMirrorFlag_thatIsDown_fallsBackToDockerHubQuickly() throws IOException {
        ExporterCli cli = cli().jvmArgs("-Dexporter.test.dockerHubApiHost=" + primary.hostPort());
        Path out = dir.resolve("hub.tar");

        ExporterCli.Result result = runWithinSeconds(cli, "mirrortest:1", "--registry-mirror",
                "http://127.0.0.1:" + closedPort(), "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertConfig(out, PRIMARY);
    }

    @Test
    void registryMirrorFlag_withPath_isAUsageError() {
        ExporterCli.Result result = cli().run("mirrortest:1", "--registry-mirror", "https://mirror.test/v2/x");

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("exporter: --registry-mirror: invalid registry mirror"
                + " 'https://mirror.test/v2/x': a mirror is a registry root, without a path"), result.stderr());
    }

    @Test
    void pull_fromTlsMirrorByName_verifiesItUnlessTheConfMarksItInsecure() throws IOException {
        LocalRegistry tls = SharedRegistries.tls();
        new RegistryPusher(tls).push(MIRRORED, "hub/mirrors/app", "1");
        String location = tls.hostPort().replace("127.0.0.1", TestHosts.NAME) + "/hub/mirrors";
        Path verified = dir.resolve("verified.tar");
        Path insecure = dir.resolve("insecure.tar");

        ExporterCli.Result untrusted = withCredentials(cli(primaryEntry(mirrorEntry(location, ""))), location)
                .jvmArgs(TestHosts.jvmArg()).run(app(), "-o", verified.toString());
        ExporterCli.Result trusted = withCredentials(cli(primaryEntry(mirrorEntry(location, "insecure = true\n"))),
                location).jvmArgs(TestHosts.jvmArg()).run(app(), "-o", insecure.toString());

        assertEquals(0, untrusted.exitCode(), untrusted.stderr());
        assertConfig(verified, PRIMARY);
        assertEquals(0, trusted.exitCode(), trusted.stderr());
        assertConfig(insecure, MIRRORED);
    }

    /** Adds alice's password for the host of {@code location} to the auth file. */
    private static ExporterCli withCredentials(ExporterCli cli, String location) {
        String host = location.substring(0, location.indexOf('/'));
        write(cli.home().resolve("auth.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("alice:alice-secret".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        return cli;
    }

    /** The archive holds this image: its config file, named by the config digest (the image id). */
    private static void assertConfig(Path archive, TestImage image) throws IOException {
        JsonNode manifest = Json.parse(PullToDockerTest.read(archive, "manifest.json"), "manifest.json");
        String config = manifest.get(0).get("Config").asText();
        assertTrue(config.endsWith(image.configDigest().substring("sha256:".length()) + ".json")
                || config.endsWith(image.configDigest().substring("sha256:".length())), config);
    }

    /** Runs the CLI and checks that skipping dead mirrors cost seconds (JVM start included), not retries. */
    private static ExporterCli.Result runWithinSeconds(ExporterCli cli, String... args) {
        long start = System.nanoTime();
        ExporterCli.Result result = cli.run(args);
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 15, "took " + seconds + " s: " + result.stderr());
        return result;
    }

    /** A loopback port nothing listens on. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
