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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    /** The 64 KiB random layer. */
    private static String bigLayer;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        registry = SharedRegistries.token();
        TestImage image = TestImages.small(ImageFormat.DOCKER, "hostile");
        new RegistryPusher(registry).push(image, REPO, "v1");
        bigLayer = image.layers().get(2).digest();
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

    /** Forwards, then sends the answer's body one byte every 100 ms: never silent long enough for --timeout. */
    private static FaultProxy.Fault drip() {
        return ex -> {
            FaultProxy.Upstream up = ex.forward(ex.request().headers());
            ex.writeHead(up.status(), up.headers(), up.body().length);
            for (int i = 0; i < up.body().length; i++) {
                ex.pause(Duration.ofMillis(100));
                ex.writeBody(up.body(), i, 1);
            }
        };
    }

    @Test
    void pull_withAManifestThatTricklesIn_failsAtTheDeadline() throws IOException {
        proxy.when(FaultProxy.manifests()).respond("drip", drip());

        ExporterCli.Result result = pull("--timeout", "10", "--deadline", "2");

        assertFails(result, "pull manifest " + ref + ": answer still incomplete after 2 s (sent too slowly)");
    }

    @Test
    void pull_withATokenThatTricklesIn_failsAtTheDeadline() throws IOException {
        viaTokenProxy();
        tokenProxy.when(FaultProxy.any()).respond("drip", drip());

        ExporterCli.Result result = pull("--timeout", "10", "--deadline", "2");

        assertFails(result, "authenticate to " + proxy.hostPort() + ": token request to 127.0.0.1: answer still incomplete after 2 s");
    }

    @Test
    void pull_withABlobBelowTheMinimumRate_failsAfterAWindow() throws IOException {
        proxy.when(FaultProxy.anyBlob()).respond("slow", FaultProxy.throttle(100));

        ExporterCli.Result result = pull("--timeout", "10", "--min-rate", "2000", "--rate-window", "2");

        assertFails(result, "pull blob sha256:");
        assertTrue(result.error().matches(".*: download slower than 2000 bytes/s: [0-9]+ bytes in 2 s"), result.error());
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void pull_withABlobBelowTheMinimumRateOnce_resumesIt() {
        proxy.when(FaultProxy.blob(bigLayer)).times(1).respond("slow", FaultProxy.throttle(1000));

        ExporterCli.Result result = ExporterCli.create().timeoutSeconds(60).run(ref, "-o", dir.resolve("out.tar").toString(),
                "--quiet", "--min-rate", "20000", "--rate-window", "1");

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> ranges = proxy.blobRequests(bigLayer).stream().map(r -> String.valueOf(r.range())).toList();
        assertEquals(2, ranges.size(), ranges.toString());
        assertTrue(ranges.get(1).matches("bytes=[1-9][0-9]*-"), "the slow download was resumed: " + ranges);
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
