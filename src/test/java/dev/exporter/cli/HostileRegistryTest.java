package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Answers no real registry gives, from a {@link FaultProxy} in front of the shared token registry (and one in front
 * of its token service): each ends in one clear line and exit code 1, or is survived, and never as an internal
 * error.
 */
@ExtendWith(SharedResources.class)
class HostileRegistryTest {

    private static final String REPO = "public/hostile/small";

    private static LocalRegistry registry;
    private static FaultProxy proxy;
    private static FaultProxy tokenProxy;
    private static String ref;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        registry = SharedRegistries.token();
        TestImage image = TestImages.small(ImageFormat.DOCKER, "hostile");
        new RegistryPusher(registry).push(image, REPO, "v1");
        proxy = FaultProxy.start(registry.baseUri());
        tokenProxy = FaultProxy.start(registry.tokenServer().realm().resolve("/"));
        ref = proxy.hostPort() + "/" + REPO + ":v1";
    }

    @AfterAll
    static void stop() {
        proxy.close();
        tokenProxy.close();
    }

    @BeforeEach
    void reset() {
        proxy.reset();
        tokenProxy.reset();
    }

    @ParameterizedTest(name = "Location: {0}")
    @ValueSource(strings = {"/v2/a\rb", "/v2/a b", "http:///v2/no-host", "http://[::1/v2/x", "http://host:99999/v2/x"})
    void pull_redirectedToAnInvalidUrl_failsWithOneLine(String location) throws IOException {
        proxy.when(FaultProxy.manifests()).respond("bad-location", FaultProxy.status(302, Map.of("Location", location)));

        ExporterCli.Result result = pull();

        assertFails(result, "pull manifest " + ref + ": redirect to an invalid URL '");
    }

    @ParameterizedTest(name = "token {0}")
    @ValueSource(strings = {"abc\\r\\nX-Injected: 1", "abc\\u0000def", "abc\\ndef"})
    void pull_withATokenHoldingControlCharacters_refusesToSendIt(String token) throws IOException {
        viaTokenProxy();
        tokenProxy.when(FaultProxy.any()).respond("bad-token", FaultProxy.rewrite(
                body -> ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8), null));

        ExporterCli.Result result = pull();

        assertFails(result, "authenticate to " + proxy.hostPort() + ": token service sent a token with control characters; refused");
        assertTrue(proxy.requests().stream().allMatch(r -> r.authorization() == null), "the token was never sent");
    }

    @ParameterizedTest(name = "expires_in {0}")
    @ValueSource(strings = {"9223372036854775807", "1e300", "-5"})
    void pull_withAnAbsurdTokenLifetime_takesItAsAClampedOne(String expiresIn) throws IOException {
        viaTokenProxy();
        tokenProxy.when(FaultProxy.any()).respond("lifetime", FaultProxy.rewrite(body -> new String(body, StandardCharsets.UTF_8)
                .replaceAll("\"expires_in\":[0-9]+", "\"expires_in\":" + expiresIn).getBytes(StandardCharsets.UTF_8), null));

        ExporterCli.Result result = pull();

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(tokenProxy.requests().stream().anyMatch(r -> r.fault() != null), "the token answer was rewritten");
    }

    private ExporterCli.Result pull(String... extra) {
        List<String> args = new ArrayList<>(List.of(ref, "-o", dir.resolve("out.tar").toString(), "--quiet", "--retries", "0"));
        args.addAll(List.of(extra));
        return ExporterCli.create().timeoutSeconds(60).run(args.toArray(String[]::new));
    }

    /** Exit code 1, one line that starts with {@code expected}, and nothing left in the output folder. */
    static void assertFails(ExporterCli.Result result, String expected) throws IOException {
        assertEquals(1, result.exitCode(), result.stderr());
        List<String> lines = result.stderr().strip().lines().toList();
        assertEquals(1, lines.size(), "exactly one error line:\n" + result.stderr());
        assertTrue(lines.get(0).startsWith("exporter: " + expected), "expected 'exporter: " + expected + "...' but got: " + lines.get(0));
        assertFalse(lines.get(0).contains("internal error"), lines.get(0));
        assertTrue(lines.get(0).chars().noneMatch(c -> c < 0x20), "no control characters: " + lines.get(0));
    }

    /** Makes the registry's challenges send clients to {@link #tokenProxy} instead of the token server. */
    private static void viaTokenProxy() {
        String realm = registry.tokenServer().realm().toString();
        String proxied = "http://" + tokenProxy.hostPort() + registry.tokenServer().realm().getPath();
        proxy.when(FaultProxy.any()).respond("realm", FaultProxy.editHeaders(h ->
                h.computeIfPresent("www-authenticate", (name, value) -> value.replace(realm, proxied))));
    }

    static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
