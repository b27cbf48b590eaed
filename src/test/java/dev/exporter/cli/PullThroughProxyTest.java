package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestHosts;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exports through a forward proxy named by HTTPS_PROXY / HTTP_PROXY, against the real TLS and plain registries
 * reached by the name {@link TestHosts#NAME}: loopback registries are never proxied, so the tests use a name.
 */
@ExtendWith(SharedResources.class)
class PullThroughProxyTest {

    @TempDir
    Path dir;
    private TestProxy proxy;

    @AfterEach
    void closeProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String port(LocalRegistry registry) {
        return registry.hostPort().split(":")[1];
    }

    private String pushTls(String repository) {
        LocalRegistry registry = SharedRegistries.tls();
        TestImage image = TestImages.small(ImageFormat.DOCKER, repository);
        new RegistryPusher(registry).push(image, repository, "1");
        return TestHosts.NAME + ":" + port(registry) + "/" + repository + ":1";
    }

    private ExporterCli.Result pullTls(String ref, String out, String... env) {
        ExporterCli cli = ExporterCli.create().stdin("alice-secret\n");
        for (int i = 0; i < env.length; i += 2) {
            cli.env(env[i], env[i + 1]);
        }
        return cli.run(ref, "-o", dir.resolve(out).toString(), "--ca-cert", SharedRegistries.tls().caCert().toString(),
                "-u", "alice", "--password-stdin");
    }

    @Test
    void httpsRegistry_throughConnectTunnel_verifiesTheRegistrysCertificate() {
        proxy = TestProxy.open();
        String ref = pushTls("proxy/tls");

        // no hosts-file mapping in the exporter's JVM: only the proxy knows where registry.test is
        ExporterCli.Result result = pullTls(ref, "out.tar", "HTTPS_PROXY", proxy.url());

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(Files.exists(dir.resolve("out.tar")));
        List<String> requests = proxy.requests();
        assertFalse(requests.isEmpty());
        assertTrue(requests.stream().allMatch(r -> r.equals("CONNECT " + TestHosts.NAME + ":" + port(SharedRegistries.tls())
                + " HTTP/1.1")), requests.toString());
    }

    @Test
    void plainHttpRegistry_getsWholeUrlRequests_fromLowerCaseVariable() {
        proxy = TestProxy.open();
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.OCI, "proxy-plain"), "proxy/plain", "1");
        String ref = TestHosts.NAME + ":" + port(registry) + "/proxy/plain:1";

        ExporterCli.Result result = ExporterCli.create().env("http_proxy", proxy.url())
                .run(ref, "-o", dir.resolve("out.tar").toString(), "--plain-http");

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(proxy.requests().stream().allMatch(r -> r.matches("(GET|HEAD) http://" + TestHosts.NAME + ":"
                + port(registry) + "/v2/\\S* HTTP/1.1")), proxy.requests().toString());
        assertFalse(proxy.requests().isEmpty());
    }

    @Test
    void proxyPassword_fromTheUrl_isSent_andAWrongOneFailsAtOnceWithoutShowingIt() {
        proxy = TestProxy.withPassword("carol", "s3cret/+pw");
        String ref = pushTls("proxy/auth");

        ExporterCli.Result good = pullTls(ref, "good.tar", "HTTPS_PROXY",
                "http://carol:s3cret%2F+pw@127.0.0.1:" + proxy.port());
        int afterGood = proxy.requests().size();
        ExporterCli.Result wrong = pullTls(ref, "wrong.tar", "HTTPS_PROXY",
                "http://carol:hunter2@127.0.0.1:" + proxy.port());
        int afterWrong = proxy.requests().size();
        ExporterCli.Result none = pullTls(ref, "none.tar", "HTTPS_PROXY", proxy.url());

        assertEquals(0, good.exitCode(), good.stderr());
        assertEquals(1, wrong.exitCode(), wrong.stderr());
        assertEquals(1, wrong.error().lines().count(), wrong.stderr());
        assertTrue(wrong.error().contains("proxy 127.0.0.1:" + proxy.port() + " requires authentication (HTTP 407)"),
                wrong.error());
        assertFalse(wrong.stderr().contains("hunter2"), wrong.stderr());
        assertFalse(Files.exists(dir.resolve("wrong.tar")));
        assertEquals(1, afterWrong - afterGood, "a refusal is final, not retried: " + proxy.requests());
        assertEquals(1, none.exitCode(), none.stderr());
        assertTrue(none.error().contains("put user:password@ in the proxy URL"), none.error());
    }

    @Test
    void plainHttpThroughAProxyWantingAPassword_failsAtOnceNamingTheProxy() {
        proxy = TestProxy.withPassword("carol", "s3cret");
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.OCI, "proxy-plain-auth"), "proxy/plain-auth", "1");
        String ref = TestHosts.NAME + ":" + port(registry) + "/proxy/plain-auth:1";

        ExporterCli.Result result = ExporterCli.create().env("HTTP_PROXY", "http://carol:hunter2@127.0.0.1:" + proxy.port())
                .run(ref, "-o", dir.resolve("out.tar").toString(), "--plain-http");

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.error().contains("proxy 127.0.0.1:" + proxy.port() + " requires authentication (HTTP 407)"),
                result.error());
        assertFalse(result.stderr().contains("hunter2"), result.stderr());
        assertEquals(1, proxy.requests().size(), proxy.requests().toString());
    }

    @Test
    void noProxy_andLoopbackRegistries_goDirect() {
        proxy = TestProxy.open();
        String byName = pushTls("proxy/bypass");
        LocalRegistry plain = SharedRegistries.anonymous();
        new RegistryPusher(plain).push(TestImages.small(ImageFormat.OCI, "proxy-loopback"), "proxy/loopback", "1");

        ExporterCli.Result excluded = ExporterCli.create().jvmArgs(TestHosts.jvmArg()).stdin("alice-secret\n")
                .env("HTTPS_PROXY", proxy.url()).env("NO_PROXY", "example.com,." + "test")
                .run(byName, "-o", dir.resolve("a.tar").toString(), "--ca-cert", SharedRegistries.tls().caCert().toString(),
                        "-u", "alice", "--password-stdin");
        ExporterCli.Result loopback = ExporterCli.create().env("HTTPS_PROXY", proxy.url()).env("HTTP_PROXY", proxy.url())
                .run(plain.hostPort() + "/proxy/loopback:1", "-o", dir.resolve("b.tar").toString());

        assertEquals(0, excluded.exitCode(), excluded.stderr());
        assertEquals(0, loopback.exitCode(), loopback.stderr());
        assertEquals(List.of(), proxy.requests());
    }

    @Test
    void unreachableProxy_failsNamingIt() {
        proxy = TestProxy.open();
        int closedPort = proxy.port();
        proxy.close();
        String ref = pushTls("proxy/unreachable");

        ExporterCli.Result result = ExporterCli.create().env("HTTPS_PROXY", "127.0.0.1:" + closedPort)
                .run(ref, "-o", dir.resolve("out.tar").toString(), "--retries", "0");

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.error().contains("cannot connect to proxy 127.0.0.1:" + closedPort), result.error());
    }

    @Test
    void invalidProxyVariable_isAUsageErrorNamingIt_withoutItsPassword() {
        ExporterCli.Result result = ExporterCli.create().env("HTTPS_PROXY", "http://carol:hunter2@proxy:port")
                .run("registry.example.com/app:1", "-o", dir.resolve("out.tar").toString());

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("exporter: HTTPS_PROXY: invalid proxy URL 'http://***@proxy:port'"),
                result.stderr());
        assertFalse(result.stderr().contains("hunter2"), result.stderr());
    }
}
