package dev.exporter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.testing.BlobStorageHost;
import dev.exporter.testing.Digests;
import dev.exporter.testing.Dockerd;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.FaultProxy.Seen;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TokenServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Pulls through a {@link FaultProxy} in front of a real token-auth registry and checks that every fault is either
 * survived (the archive is byte-identical to a clean run's) or refused with one clear line, exit code 1, no output
 * file and no temporary files left in the output folder.
 */
@ExtendWith(SharedResources.class)
class FaultToleranceTest {

    private static final String REPO = "public/faults/small";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TokenServer tokens;
    private static LocalRegistry registry;
    private static FaultProxy proxy;
    /** In front of the token server; the registry proxy points challenges at it with {@link #viaTokenProxy}. */
    private static FaultProxy tokenProxy;
    private static BlobStorageHost storage;
    private static TestImage image;
    /**
     * The 2 MiB random layer: big enough to cut in the middle, and to have its gzip trailer read (the two small
     * layers are fetched whole instead).
     */
    private static String bigLayer;
    private static String ref;
    private static byte[] cleanArchive;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        tokens = TokenServer.start();
        registry = LocalRegistry.builder().token(tokens).start();
        image = TestImages.small(ImageFormat.DOCKER, "faults", 2 * 1024 * 1024);
        RegistryPusher pusher = new RegistryPusher(registry);
        pusher.push(image, REPO, "v1");
        bigLayer = image.layers().get(2).digest();
        proxy = FaultProxy.start(registry.baseUri());
        tokenProxy = FaultProxy.start(tokens.realm().resolve("/"));
        storage = BlobStorageHost.start(registry.baseUri(), () -> "Bearer " + tokens.mintToken("admin",
                LocalRegistry.TOKEN_SERVICE, List.of("repository:" + REPO + ":pull")));
        ref = proxy.hostPort() + "/" + REPO + ":v1";
        Path clean = Files.createTempFile("fault-clean", ".tar");
        try {
            ExporterCli.Result result = ExporterCli.create().run(ref, "-o", clean.toString(), "--quiet");
            assertEquals(0, result.exitCode(), result.stderr());
            cleanArchive = Files.readAllBytes(clean);
        } finally {
            Files.deleteIfExists(clean);
        }
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {storage, proxy, tokenProxy, registry, tokens}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @BeforeEach
    void resetRecords() {
        proxy.reset();
        tokenProxy.reset();
        storage.reset();
        tokens.reset();
    }

    /** What a case sets up and checks beyond the common assertions. */
    private interface Arrange {
        void on(FaultProxy proxy);
    }

    private interface Check {
        void verify(Run run);
    }

    /** A finished run, for case-specific checks. */
    private record Run(ExporterCli.Result result, List<Seen> requests, long elapsedMillis) {
        /** Downloads of the blob, without the reads of its trailer that size docker archives' layers. */
        List<Seen> blob(String digest) {
            return requests.stream().filter(s -> s.path().contains("/blobs/" + digest) && !FaultProxy.isTail(s.range())).toList();
        }

        /** Manifest pulls, without the HEAD probes for referrer tags that a docker export sends. */
        List<Seen> manifests() {
            return requests.stream().filter(s -> s.method().equals("GET") && s.path().contains("/manifests/")).toList();
        }
    }

    /**
     * @param error null when the pull must succeed with the clean bytes; otherwise a text the one error line must
     *              contain
     */
    private record Case(String name, Arrange arrange, List<String> args, String error, Check check, String reference) {
        Case(String name, Arrange arrange, List<String> args, String error, Check check) {
            this(name, arrange, args, error, check, null);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Arguments survives(String name, Arrange arrange, List<String> args, Check check) {
        return Arguments.of(new Case(name, arrange, args, null, check));
    }

    private static Arguments refuses(String name, Arrange arrange, List<String> args, String error, Check check) {
        return Arguments.of(new Case(name, arrange, args, error, check));
    }

    static Stream<Arguments> faults() {
        List<Arguments> cases = new ArrayList<>(List.of(
                survives("reset mid-blob resumes with Range",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("reset", FaultProxy.resetAfter(20_000)),
                        List.of(), run -> {
                            List<Seen> gets = run.blob(bigLayer);
                            assertEquals(2, gets.size(), FaultToleranceTest.describe(gets));
                            assertNull(gets.get(0).range());
                            assertResumedWithin(gets.get(1), 20_000);
                            assertEquals(206, gets.get(1).status());
                        }),
                survives("reset mid-blob with --no-cache restarts the layer, which was kept nowhere",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("reset", FaultProxy.resetAfter(20_000)),
                        List.of("--no-cache"), run -> {
                            List<Seen> gets = run.blob(bigLayer);
                            assertEquals(2, gets.size(), FaultToleranceTest.describe(gets));
                            assertNull(gets.get(1).range(), "nothing was kept to resume from");
                            assertEquals(200, gets.get(1).status());
                        }),
                survives("server ignoring Range restarts the blob",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("reset", FaultProxy.resetAfter(20_000))
                                .when(FaultProxy.blob(bigLayer)).respond("ignore-range", FaultProxy.ignoreRange()),
                        List.of(), run -> {
                            List<Seen> gets = run.blob(bigLayer);
                            assertEquals(2, gets.size(), FaultToleranceTest.describe(gets));
                            assertResumedWithin(gets.get(1), 20_000);
                            assertEquals(200, gets.get(1).status());
                        }),
                survives("206 with a wrong Content-Range restarts without Range",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("reset", FaultProxy.resetAfter(20_000))
                                .when(FaultProxy.blob(bigLayer)).times(1).respond("wrong-range", FaultProxy.wrongContentRange()),
                        List.of(), run -> {
                            List<Seen> gets = run.blob(bigLayer);
                            assertEquals(3, gets.size(), FaultToleranceTest.describe(gets));
                            assertEquals(206, gets.get(1).status());
                            assertNull(gets.get(2).range(), "after a bad range the download starts over");
                            assertEquals(200, gets.get(2).status());
                        }),
                survives("stall mid-body longer than --timeout is cut and resumed",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("stall", FaultProxy.stall(1000, Duration.ofSeconds(30))),
                        List.of("--timeout", "2"), run -> {
                            List<Seen> gets = run.blob(bigLayer);
                            assertEquals(2, gets.size(), FaultToleranceTest.describe(gets));
                            assertEquals("bytes=1000-", gets.get(1).range());
                            assertTrue(run.elapsedMillis() < 20_000, "took " + run.elapsedMillis() + " ms");
                        }),
                survives("stall before the response headers times out and retries",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("stall", FaultProxy.stall(-1, Duration.ofSeconds(30))),
                        List.of("--timeout", "2"), run -> {
                            assertEquals(2, run.blob(bigLayer).size(), FaultToleranceTest.describe(run.blob(bigLayer)));
                            assertTrue(run.elapsedMillis() < 20_000, "took " + run.elapsedMillis() + " ms");
                        }),
                survives("500 then OK",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1).respond("500", FaultProxy.status(500)),
                        List.of(), run -> assertEquals(List.of(500, 200), statuses(run.blob(bigLayer)))),
                survives("503 on the manifest then OK",
                        p -> p.when(FaultProxy.manifests()).times(2).respond("503", FaultProxy.status(503)),
                        List.of(), run -> {
                            List<Integer> statuses = statuses(run.manifests());
                            assertEquals(List.of(503, 503), statuses.subList(0, 2));
                            assertEquals(200, statuses.get(statuses.size() - 1));
                        }),
                survives("429 with Retry-After: 1 waits about a second",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1)
                                .respond("429", FaultProxy.status(429, Map.of("Retry-After", "1"))),
                        List.of(), run -> {
                            List<Seen> gets = run.blob(bigLayer);
                            assertEquals(List.of(429, 200), statuses(gets));
                            long waited = TimeUnit.NANOSECONDS.toMillis(gets.get(1).nanos() - gets.get(0).nanos());
                            assertTrue(waited >= 950 && waited < 5000, "waited " + waited + " ms");
                        }),
                survives("error body that stalls is cut by --timeout and retried",
                        p -> p.when(FaultProxy.blob(bigLayer)).times(1)
                                .respond("stalled-500", FaultProxy.statusWithStalledBody(500, Duration.ofSeconds(30))),
                        List.of("--timeout", "2"), run -> {
                            assertEquals(2, run.blob(bigLayer).size(), FaultToleranceTest.describe(run.blob(bigLayer)));
                            assertTrue(run.elapsedMillis() < 20_000, "took " + run.elapsedMillis() + " ms");
                        }),
                survives("token service answering 503 once is retried",
                        p -> {
                            viaTokenProxy(p);
                            tokenProxy.when(FaultProxy.any()).times(1).respond("503", FaultProxy.status(503));
                        },
                        List.of(), run -> assertEquals(List.of(503, 200), statuses(tokenProxy.requests()))),
                survives("exactly 5 redirects are followed",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("redirect-chain", FaultProxy.redirectChain(5)),
                        List.of(), run -> assertEquals(6, run.blob(bigLayer).size())),
                survives("token rejected after the first blob is renewed",
                        p -> p.when(FaultProxy.anyBlob()).skip(1).times(1).respond("expired", FaultProxy.unauthorized()),
                        List.of("--jobs", "1"), run -> {
                            assertTrue(run.requests().stream().anyMatch(s -> s.status() == 401 && "expired".equals(s.fault())),
                                    FaultToleranceTest.describe(run.requests()));
                            assertTrue(tokens.tokensIssued() >= 2, "a second token was fetched: " + tokens.tokensIssued());
                        }),

                survives("token rejected mid-pull with concurrent downloads is renewed",
                        p -> p.when(FaultProxy.anyBlob()).skip(1).times(2).respond("expired", FaultProxy.unauthorized()),
                        List.of("--jobs", "4"), run -> {
                            assertEquals(2, run.requests().stream().filter(s -> s.status() == 401 && "expired".equals(s.fault())).count(),
                                    FaultToleranceTest.describe(run.requests()));
                            assertTrue(tokens.tokensIssued() >= 2, "a second token was fetched: " + tokens.tokensIssued());
                        }),
                refuses("permanent 500 with --retries 1",
                        p -> p.when(FaultProxy.manifests()).respond("500", FaultProxy.status(500)),
                        List.of("--retries", "1"), "registry answered HTTP 500",
                        run -> {
                            assertEquals(2, run.manifests().size(), "one try and one retry");
                            assertTrue(run.elapsedMillis() < 20_000, "took " + run.elapsedMillis() + " ms");
                        }),
                refuses("--retries 0 disables retrying",
                        p -> p.when(FaultProxy.manifests()).respond("500", FaultProxy.status(500)),
                        List.of("--retries", "0"), "registry answered HTTP 500",
                        run -> assertEquals(1, run.manifests().size())),
                refuses("permanent 429 gives up after the retries",
                        p -> p.when(FaultProxy.manifests()).respond("429", FaultProxy.status(429, Map.of("Retry-After", "0"))),
                        List.of("--retries", "2"), "rate limited by the registry (HTTP 429)",
                        run -> assertEquals(3, run.manifests().size())),
                refuses("token service rejecting the request fails fast",
                        p -> {
                            viaTokenProxy(p);
                            tokenProxy.when(FaultProxy.any()).respond("401", FaultProxy.status(401));
                        },
                        List.of(), "authenticate to " + proxy.hostPort() + ": anonymous access was refused by the token service",
                        run -> assertEquals(1, tokenProxy.requests().size())),
                refuses("403 fails fast without retries",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("403", FaultProxy.status(403)),
                        List.of(), "access denied to repository " + REPO,
                        run -> assertEquals(1, run.blob(bigLayer).size())),
                refuses("401 that persists after re-authentication fails fast",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("401", FaultProxy.unauthorized()),
                        List.of(), "access denied to repository " + REPO,
                        run -> assertTrue(run.blob(bigLayer).size() <= 3, FaultToleranceTest.describe(run.blob(bigLayer)))),
                refuses("one flipped byte is a digest mismatch, not retried",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("flip", FaultProxy.flipByte(30_000)),
                        List.of(), "pull blob " + bigLayer + " of " + ref.replace(":v1", "") + ": digest mismatch",
                        run -> assertEquals(1, run.blob(bigLayer).size())),
                refuses("a flipped byte in the config is a digest mismatch",
                        p -> p.when(FaultProxy.blob(image.configDigest())).respond("flip", FaultProxy.flipByte(10)),
                        List.of(), "pull config " + image.configDigest(),
                        run -> assertEquals(1, run.blob(image.configDigest()).size())),
                refuses("more config bytes than declared are cut off",
                        p -> p.when(FaultProxy.blob(image.configDigest())).respond("extra", FaultProxy.extraBytes(100)),
                        List.of(), "pull config " + image.configDigest(),
                        run -> assertEquals(1, run.blob(image.configDigest()).size())),
                Arguments.of(new Case("manifest pulled by digest must hash to it",
                        p -> p.when(FaultProxy.manifests()).respond("whitespace",
                                FaultProxy.rewrite(body -> FaultToleranceTest.utf8(new String(body, StandardCharsets.UTF_8) + " "), null)),
                        List.of(), "digest mismatch", run -> assertEquals(1, run.manifests().stream().filter(s -> s.status() == 200).count()),
                        proxy.hostPort() + "/" + REPO + "@" + Digests.sha256(image.manifestBytes()))),
                refuses("redirect to a file: URL",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("file-redirect",
                                FaultProxy.status(302, Map.of("Location", "file:///etc/passwd"))),
                        List.of(), "redirect to unsupported URL scheme",
                        run -> assertEquals(1, run.blob(bigLayer).size())),
                refuses("more bytes than declared are cut off",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("extra", FaultProxy.extraBytes(4096)),
                        List.of(), "sent more than the declared",
                        run -> assertEquals(1, run.blob(bigLayer).size())),
                refuses("permanent stall with --retries 0 fails fast",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("stall", FaultProxy.stall(1000, Duration.ofSeconds(30))),
                        List.of("--timeout", "2", "--retries", "0"), "stalled",
                        run -> assertTrue(run.elapsedMillis() < 15_000, "took " + run.elapsedMillis() + " ms")),
                refuses("more than 5 redirects",
                        p -> p.when(FaultProxy.blob(bigLayer)).respond("redirect-loop", FaultProxy.redirectChain(50)),
                        List.of(), "more than 5 redirects",
                        run -> assertEquals(6, run.blob(bigLayer).size())),
                refuses("path traversal in a layer digest",
                        p -> p.when(FaultProxy.manifests()).respond("traversal", manifest(m ->
                                ((ObjectNode) m.withArray("layers").get(0)).put("digest", "sha256:../../x"))),
                        List.of(), "invalid digest 'sha256:../../x'", run -> { }),
                refuses("unknown digest algorithm",
                        p -> p.when(FaultProxy.manifests()).respond("md5", manifest(m ->
                                ((ObjectNode) m.withArray("layers").get(0)).put("digest", "md5:d41d8cd98f00b204e9800998ecf8427e"))),
                        List.of(), "unsupported digest algorithm", run -> { }),
                refuses("manifest over 4 MiB",
                        p -> p.when(FaultProxy.manifests()).respond("huge", FaultProxy.rewrite(body -> {
                            byte[] huge = new byte[5 * 1024 * 1024];
                            Arrays.fill(huge, (byte) ' ');
                            System.arraycopy(body, 0, huge, 0, body.length);
                            return huge;
                        }, null)),
                        List.of(), "manifest larger than 4 MiB", run -> { }),
                refuses("manifest over 4 MiB without Content-Length",
                        p -> p.when(FaultProxy.manifests()).respond("huge-unframed", FaultProxy.rewriteUnframed(body -> {
                            byte[] huge = new byte[5 * 1024 * 1024];
                            Arrays.fill(huge, (byte) ' ');
                            System.arraycopy(body, 0, huge, 0, body.length);
                            return huge;
                        })),
                        List.of(), "manifest larger than 4 MiB", run -> { }),
                refuses("malformed manifest JSON",
                        p -> p.when(FaultProxy.manifests()).respond("malformed",
                                FaultProxy.rewrite(body -> Arrays.copyOf(body, body.length / 2), null)),
                        List.of(), "malformed JSON", run -> { }),
                refuses("unknown manifest media type",
                        p -> p.when(FaultProxy.manifests()).respond("unknown-type", FaultProxy.rewrite(
                                json(m -> m.put("mediaType", "application/vnd.example.unknown+json")),
                                "application/vnd.example.unknown+json")),
                        List.of(), "unsupported manifest media type 'application/vnd.example.unknown+json'", run -> { }),
                refuses("unknown layer media type",
                        p -> p.when(FaultProxy.manifests()).respond("unknown-layer", manifest(m ->
                                ((ObjectNode) m.withArray("layers").get(1)).put("mediaType", "application/x-unknown"))),
                        List.of(), "unsupported layer media type 'application/x-unknown'", run -> { }),
                refuses("missing layer mediaType",
                        p -> p.when(FaultProxy.manifests()).respond("no-media-type", manifest(m ->
                                ((ObjectNode) m.withArray("layers").get(1)).remove("mediaType"))),
                        List.of(), "missing mediaType", run -> { }),
                refuses("control characters from the registry stay out of the terminal",
                        p -> p.when(FaultProxy.manifests()).respond("escape", manifest(m ->
                                ((ObjectNode) m.withArray("layers").get(1)).put("mediaType", "x\u001b[2J\ny"))),
                        List.of(), "unsupported layer media type 'x [2J y'", run -> { }),
                refuses("schema 1 manifest",
                        p -> p.when(FaultProxy.manifests()).respond("schema1", FaultProxy.rewrite(body -> FaultToleranceTest.utf8(
                                "{\"schemaVersion\":1,\"name\":\"" + REPO + "\",\"tag\":\"v1\",\"architecture\":\"amd64\","
                                        + "\"fsLayers\":[],\"history\":[],\"signatures\":[]}"),
                                "application/vnd.docker.distribution.manifest.v1+prettyjws")),
                        List.of(), "schema 1 is not supported", run -> { }),
                refuses("config diff_ids count differs from the layers",
                        p -> p.when(FaultProxy.manifests()).respond("diff-ids", FaultToleranceTest.pointAtConfigWithoutOneDiffId()),
                        List.of(), "config lists 2 diff_ids but the manifest has 3 layers", run -> { })));
        cases.add(survives("failing reads of gzip trailers fall back to temporary files, without retries",
                p -> p.when(FaultProxy.anyBlobTail()).respond("tail-500", FaultProxy.status(500)),
                List.of(), run -> {
                    List<String> tails = run.requests().stream().filter(s -> FaultProxy.isTail(s.range())).map(Seen::path).toList();
                    assertFalse(tails.isEmpty(), "the layers' trailers were asked for");
                    assertEquals(new HashSet<>(tails).size(), tails.size(), "a failed trailer read is not retried: " + tails);
                }));
        cases.add(survives("trailer reads answered with the whole blob fall back to temporary files",
                p -> p.when(FaultProxy.anyBlobTail()).respond("tail-ignore-range", FaultProxy.ignoreRange()),
                List.of(), run -> assertTrue(run.requests().stream().anyMatch(s -> FaultProxy.isTail(s.range()) && s.status() == 200),
                        "the registry answered a trailer read with 200")));
        for (int status : new int[] {301, 302, 303, 307, 308}) {
            cases.add(survives("redirect " + status + " to blob storage drops Authorization",
                    p -> p.when(FaultProxy.anyBlob()).respond("redirect", FaultProxy.redirect(status, storage.uri())),
                    List.of(), run -> {
                        assertFalse(storage.hits().isEmpty(), "blobs came from the storage host");
                        storage.hits().forEach(hit -> assertNull(hit.authorization(), "Authorization leaked to " + hit.path()));
                        assertTrue(run.requests().stream().filter(s -> s.path().contains("/blobs/"))
                                        .allMatch(s -> s.authorization() != null && s.authorization().startsWith("Bearer ")),
                                "the registry itself got the token");
                    }));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void pull_throughFault_survivesOrRefusesCleanly(Case c) throws IOException {
        c.arrange().on(proxy);
        Path out = dir.resolve("out.tar");
        List<String> args = new ArrayList<>(List.of(c.reference() != null ? c.reference() : ref, "-o", out.toString(), "--quiet"));
        args.addAll(c.args());

        long start = System.nanoTime();
        ExporterCli.Result result = ExporterCli.create().timeoutSeconds(60).run(args.toArray(String[]::new));
        Run run = new Run(result, proxy.requests(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

        if (c.error() == null) {
            assertEquals(0, result.exitCode(), result.stderr());
            assertArrayEquals(cleanArchive, Files.readAllBytes(out), "archive identical to a clean run's");
            assertEquals(List.of("out.tar"), listing(dir));
        } else {
            assertEquals(1, result.exitCode(), result.stderr());
            assertOneCleanErrorLine(result, c.error());
            assertEquals(List.of(), listing(dir), "no output and no temporary files");
        }
        c.check().verify(run);
    }

    /**
     * An OCI layout folder the export starts is gone again when it fails: blobs without index.json are a
     * half-written output. One that existed keeps what it had (and what it gained: verified blobs).
     */
    @Test
    void ociDir_failedExportIntoANewFolder_leavesNoFolder_butAnExistingOneStays() throws IOException {
        proxy.when(FaultProxy.blob(bigLayer)).respond("flip", FaultProxy.flipByte(30_000));
        Path fresh = dir.resolve("fresh-layout");
        Path existing = Files.createDirectory(dir.resolve("existing-layout"));
        Files.writeString(existing.resolve("notes.txt"), "mine");

        ExporterCli.Result intoFresh = ExporterCli.create().run(ref, "--format", "oci-dir", "-o", fresh.toString(), "-q", "--no-cache");
        ExporterCli.Result intoExisting = ExporterCli.create().run(ref, "--format", "oci-dir", "-o", existing.toString(), "-q", "--no-cache");

        assertEquals(1, intoFresh.exitCode(), intoFresh.stderr());
        assertTrue(intoFresh.error().contains("digest mismatch"), intoFresh.error());
        assertFalse(Files.exists(fresh), "the layout this run started is removed: " + (Files.exists(fresh) ? listing(fresh) : ""));
        assertEquals(1, intoExisting.exitCode(), intoExisting.stderr());
        assertEquals("mine", Files.readString(existing.resolve("notes.txt")));
        assertFalse(Files.exists(existing.resolve("index.json")));
    }

    @Test
    void resumedDownload_loadsIntoDockerWithMatchingIds() throws IOException {
        proxy.when(FaultProxy.blob(bigLayer)).times(1).respond("reset", FaultProxy.resetAfter(30_000));
        Path out = dir.resolve("resumed.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref, "-o", out.toString(), "--quiet");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(2, proxy.blobRequests(bigLayer).size());
        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();
        docker.load(out);
        assertEquals(image.configDigest(), docker.inspect(ref).get("Id").asText());
        List<String> layers = new ArrayList<>();
        docker.inspect(ref).get("RootFS").get("Layers").forEach(n -> layers.add(n.asText()));
        assertEquals(image.diffIds(), layers);
    }

    @Test
    void sigterm_duringSlowDownload_exitsAndLeavesNothing() throws Exception {
        proxy.when(FaultProxy.blob(bigLayer)).respond("throttle", FaultProxy.throttle(4 * 1024));
        Path out = dir.resolve("out.tar");
        Path logs = Files.createTempDirectory("fault-sigterm");
        try {
            Process process = ExporterCli.create().start(logs.resolve("stdout"), logs.resolve("stderr"),
                    ref, "-o", out.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (proxy.blobRequests(bigLayer).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(1500); // let some bytes reach the work folder
            assertTrue(process.isAlive(), "still downloading when the signal arrives");
            assertTrue(hasWorkFolder(), "a work folder exists before the signal: " + listing(dir));

            process.destroy(); // SIGTERM

            assertTrue(process.waitFor(15, TimeUnit.SECONDS), "exited after SIGTERM");
            assertNotEquals(0, process.exitValue());
            assertEquals(List.of(), listing(dir), "no output and no temporary files after SIGTERM");
        } finally {
            dev.exporter.testing.TempDirs.deleteQuietly(logs);
        }
    }

    @Test
    void fullDisk_failsWithOneClearLineAndLeavesNothing() throws Exception {
        Path disk = Files.createDirectory(dir.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String mountOutput = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!mount.waitFor(10, TimeUnit.SECONDS) || mount.exitValue() != 0) {
            String reason = "cannot mount a small tmpfs to simulate a full disk (needs root): " + mountOutput;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(reason);
            }
            Assumptions.abort(reason);
        }
        try {
            // leave room for the manifest and config but not for the 2 MiB layer
            Files.write(disk.resolve("filler"), new byte[4 * 1024 * 1024 - 24 * 1024]);
            Path out = disk.resolve("out.tar");

            ExporterCli.Result result = ExporterCli.create().run(ref, "-o", out.toString(), "--quiet");

            assertEquals(1, result.exitCode(), result.stderr());
            assertOneCleanErrorLine(result, "No space left on device");
            // which step meets the full disk depends on where blobs are kept; each names what it was doing
            assertTrue(result.error().matches("exporter: (pull blob|unpack layer|write) .*: No space left on device"),
                    result.error());
            // the archive's holes are sparse, so the disk may fill while any blob lands: none may be asked for twice
            List<String> downloads = proxy.requests().stream()
                    .filter(s -> s.path().contains("/blobs/") && !FaultProxy.isTail(s.range())).map(Seen::path).toList();
            assertEquals(new HashSet<>(downloads).size(), downloads.size(), "a full disk is not retried: " + downloads);
            assertEquals(List.of("filler"), listing(disk), "no output and no temporary files");
        } finally {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private boolean hasWorkFolder() throws IOException {
        return listing(dir).stream().anyMatch(name -> name.startsWith(".exporter-"));
    }

    private static void assertOneCleanErrorLine(ExporterCli.Result result, String expected) {
        String stderr = result.stderr();
        List<String> lines = stderr.strip().lines().toList();
        assertEquals(1, lines.size(), "exactly one error line:\n" + stderr);
        String line = lines.get(0);
        assertTrue(line.startsWith("exporter: "), line);
        assertTrue(line.contains(expected), "expected '" + expected + "' in: " + line);
        assertFalse(line.contains("Bearer") || line.contains("eyJ"), "no token in: " + line);
        assertTrue(line.chars().noneMatch(ch -> ch < 0x20), "no control characters in: " + line);
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Makes the registry's challenges send clients to {@link #tokenProxy} instead of the token server. */
    private static void viaTokenProxy(FaultProxy registryProxy) {
        String realm = tokens.realm().toString();
        String proxied = "http://" + tokenProxy.hostPort() + tokens.realm().getPath();
        registryProxy.when(FaultProxy.any()).respond("realm", FaultProxy.editHeaders(h ->
                h.computeIfPresent("www-authenticate", (name, value) -> value.replace(realm, proxied))));
    }

    /** A request for the rest of a blob after {@code sent} bytes were sent (bytes in flight may be lost with a reset). */
    private static void assertResumedWithin(Seen request, int sent) {
        String range = request.range();
        assertTrue(range != null && range.matches("bytes=\\d+-"), "a Range request: " + range);
        long from = Long.parseLong(range.substring(6, range.length() - 1));
        assertTrue(from > 0 && from <= sent, "resumed from " + from);
    }

    private static List<Integer> statuses(List<Seen> requests) {
        return requests.stream().map(Seen::status).toList();
    }

    static String describe(List<Seen> requests) {
        StringBuilder text = new StringBuilder();
        requests.forEach(r -> text.append('\n').append(r.method()).append(' ').append(r.path())
                .append(r.range() == null ? "" : " [" + r.range() + "]").append(" -> ").append(r.status())
                .append(r.fault() == null ? "" : " (" + r.fault() + ")"));
        return text.toString();
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Edits the manifest JSON. */
    private static FaultProxy.Fault manifest(java.util.function.Consumer<ObjectNode> edit) {
        return FaultProxy.rewrite(json(edit), null);
    }

    private static UnaryOperator<byte[]> json(java.util.function.Consumer<ObjectNode> edit) {
        return body -> {
            try {
                ObjectNode node = (ObjectNode) JSON.readTree(body);
                edit.accept(node);
                return JSON.writeValueAsBytes(node);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /**
     * A manifest whose config (pushed to the registry, so it has a valid digest) lists one diff_id fewer than the
     * manifest has layers.
     */
    private static FaultProxy.Fault pointAtConfigWithoutOneDiffId() {
        try {
            ObjectNode config = (ObjectNode) JSON.readTree(image.configBytes());
            ArrayNode diffIds = (ArrayNode) config.get("rootfs").get("diff_ids");
            diffIds.remove(diffIds.size() - 1);
            byte[] crafted = JSON.writeValueAsBytes(config);
            new RegistryPusher(registry).pushBlob(REPO, crafted);
            return manifest(m -> {
                ObjectNode descriptor = (ObjectNode) m.get("config");
                descriptor.put("digest", Digests.sha256(crafted));
                descriptor.put("size", crafted.length);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
