package dev.exporter.push;

import dev.exporter.testing.Dockerd;
import dev.exporter.testing.Exec;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.ImageBuilder;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LayerSpec;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.WanProxy;
import dev.exporter.testing.CutUploadProxy;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Push from archives made by real tools (docker save, skopeo) into each kind of test registry (Basic auth, token
 * auth with push scope, TLS), checked by docker pull (the image id is the origin's config digest) and skopeo; plus a
 * damaged source and an interrupted push, which must leave no tag.
 */
@ExtendWith(SharedResources.class)
class PushSourcesTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicInteger REPOS = new AtomicInteger();
    private static LocalRegistry origin;
    private static TestImage image;
    private static String ref;

    @TempDir
    Path dir;

    @BeforeAll
    static void source() {
        origin = SharedRegistries.anonymous();
        image = TestImages.small(ImageFormat.OCI, "push-sources");
        new RegistryPusher(origin).push(image, "pushsources/app", "v1");
        ref = origin.hostPort() + "/pushsources/app:v1";
    }

    private static String repo() {
        return "pushed/s" + REPOS.incrementAndGet();
    }

    private ExporterCli.Result push(ExporterCli cli, String... args) {
        List<String> all = new ArrayList<>(List.of("push"));
        all.addAll(List.of(args));
        return cli.workDir(dir).run(all.toArray(String[]::new));
    }

    private static ExporterCli alice() {
        return ExporterCli.create().env("EXPORTER_USERNAME", "alice").env("EXPORTER_PASSWORD", "alice-secret");
    }

    /** The config digest skopeo reads at {@code target}: the image id, as any consumer computes it. */
    private static String skopeoConfigDigest(LocalRegistry registry, String target, String creds) {
        ExternalTools.require("skopeo");
        List<String> command = new ArrayList<>(List.of("skopeo", "inspect", "--config", "--raw"));
        command.add(registry.caCert() != null ? "--cert-dir=" + certDir(registry) : "--tls-verify=false");
        if (creds != null) {
            command.add("--creds=" + creds);
        }
        command.add("docker://" + target);
        String config = Exec.run(TIMEOUT, command.toArray(String[]::new)).check().stdout();
        return dev.exporter.reference.Digest.sha256Of(config.getBytes(StandardCharsets.ISO_8859_1)).toString();
    }

    /** A folder holding only the registry's CA (skopeo takes any *.key beside it for a client key). */
    private static Path certDir(LocalRegistry registry) {
        try {
            Path certs = registry.caCert().resolveSibling("skopeo-certs");
            if (!Files.isDirectory(certs)) {
                Files.createDirectories(certs);
                Files.copy(registry.caCert(), certs.resolve("ca.crt"));
            }
            return certs;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void dockerSaveOfSeveralImages_goesBackUnderItsNames_withTheSameIds() throws IOException {
        Dockerd docker = SharedDockerd.get();
        docker.docker("pull", ref).check();
        String prefix = repo();
        String second = origin.hostPort() + "/" + prefix + "/other:t2";
        String first = origin.hostPort() + "/" + prefix + "/app:t1";
        docker.docker("tag", ref, first).check();
        docker.docker("tag", ref, second).check();
        TestImage other = TestImages.small(ImageFormat.DOCKER, "push-sources-other");
        new RegistryPusher(origin).push(other, "pushsources/third", "v3");
        String third = origin.hostPort() + "/pushsources/third:v3";
        docker.docker("pull", third).check();
        String thirdTarget = origin.hostPort() + "/" + prefix + "/third:v3";
        docker.docker("tag", third, thirdTarget).check();
        Path archive = dir.resolve("docker-save.tar");
        docker.save(List.of(first, second, thirdTarget), archive);
        docker.docker("rmi", first, second, thirdTarget).check();

        Path tmp = Files.createDirectories(dir.resolve("tmp"));

        ExporterCli.Result result = push(ExporterCli.create().env("TMPDIR", tmp.toString()), archive.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("Mounted from " + prefix + "/app"), result.stderr());
        try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList());
        }
        for (String target : List.of(first, second)) {
            docker.docker("pull", target).check();
            assertEquals(image.configDigest(), docker.inspect(target).path("Id").asText());
        }
        docker.docker("pull", thirdTarget).check();
        assertEquals(other.configDigest(), docker.inspect(thirdTarget).path("Id").asText());
    }

    @Test
    void skopeoDockerArchive_intoTheTokenRegistry_withPushScope() {
        LocalRegistry token = SharedRegistries.token();
        Path archive = dir.resolve("skopeo.tar");
        Exec.run(TIMEOUT, "skopeo", "copy", "--src-tls-verify=false", "docker://" + ref,
                "docker-archive:" + archive + ":" + ref).check();
        String target = token.hostPort() + "/" + repo() + ":skopeo";
        token.tokenServer().reset();

        ExporterCli.Result result = push(alice(), archive.toString(), target);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(image.configDigest(), skopeoConfigDigest(token, target, "alice:alice-secret"));
        assertTrue(token.tokenServer().requests().stream().anyMatch(r -> r.scopes().stream()
                .anyMatch(s -> s.endsWith(":pull,push"))), token.tokenServer().requests().toString());
    }

    @Test
    void withoutPushRights_oneLineSaysSo_andNothingIsTagged() {
        LocalRegistry token = SharedRegistries.token();
        Path archive = dir.resolve("denied.tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(ref, "-q", "--no-cache", "--format", "oci", "-o",
                archive.toString()).exitCode());
        String repository = repo();

        ExporterCli.Result anonymous = push(ExporterCli.create(), archive.toString(), token.hostPort() + "/" + repository + ":x");
        ExporterCli.Result missing = push(ExporterCli.create(), dir.resolve("nothing.tar").toString(), token.hostPort() + "/a:1");

        assertEquals(1, anonymous.exitCode(), anonymous.stderr());
        assertTrue(anonymous.error().contains("access denied to repository " + repository)
                && anonymous.error().contains("no credentials were sent"), anonymous.error());
        assertEquals(1, anonymous.stderr().lines().filter(l -> l.startsWith("exporter: ")).count(), anonymous.stderr());
        assertFalse(anonymous.stderr().contains("\tat "), anonymous.stderr());
        assertEquals(1, missing.exitCode(), missing.stderr());
        assertTrue(missing.error().contains("nothing.tar"), missing.error());
    }

    @Test
    void skopeoOciArchive_gzipped_intoTheBasicAuthRegistry_keepsTheManifestDigest() throws IOException {
        LocalRegistry basic = SharedRegistries.htpasswd();
        Path archive = dir.resolve("skopeo-oci.tar");
        Exec.run(TIMEOUT, "skopeo", "copy", "--src-tls-verify=false", "docker://" + ref,
                "oci-archive:" + archive + ":v1").check();
        ExternalTools.require("gzip");
        Exec.run(TIMEOUT, "gzip", "-k", archive.toString()).check();
        String target = basic.hostPort() + "/" + repo() + ":oci";

        ExporterCli.Result result = push(ExporterCli.create().stdin("alice-secret\n"), archive + ".gz", target,
                "-u", "alice", "--password-stdin");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(image.configDigest(), skopeoConfigDigest(basic, target, "alice:alice-secret"));
        assertFalse(result.stderr().contains("new manifest digest"), result.stderr());
    }

    @Test
    void ourDockerArchive_overTls_withTheCaCert() {
        LocalRegistry tls = SharedRegistries.tls();
        Path archive = dir.resolve("ours.tar.zst");
        assertEquals(0, ExporterCli.create().workDir(dir).run(ref, "-q", "--no-cache", "-o", archive.toString()).exitCode());
        String target = tls.hostPort() + "/" + repo() + ":tls";

        ExporterCli.Result result = push(alice(), archive.toString(), target, "--ca-cert", tls.caCert().toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(image.configDigest(), skopeoConfigDigest(tls, target, "alice:alice-secret"));
    }

    /**
     * A damaged layer, in an OCI archive (the blob itself) or a docker archive (its uncompressed layer.tar), is
     * refused naming it: no manifest request, no tag, and the damaged blob's upload never gets its closing PUT (the
     * layers that were fine may be complete).
     */
    @ParameterizedTest
    @ValueSource(strings = {"oci", "docker"})
    void aDamagedLayer_isRefused_neverCommitted_andNothingIsTagged(String format) throws IOException {
        Path archive = dir.resolve("damaged-" + format + ".tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(ref, "-q", "--no-cache", "--format", format,
                "-o", archive.toString()).exitCode());
        String damaged = format.equals("oci") ? flipAByteOfTheLargestBlob(archive)
                : flipAByteOfTheLargestEntry(archive, "/layer.tar");
        String repository = repo();
        long mark = origin.logMark();

        ExporterCli.Result result = push(ExporterCli.create(), archive.toString(), origin.hostPort() + "/" + repository + ":x");

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.error().contains(damaged) && result.error().contains("digest mismatch"), result.error());
        List<String> requests = origin.requestsSince(mark);
        assertTrue(requests.stream().noneMatch(r -> r.contains("/manifests/")), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("PUT ") && r.contains(damaged)), requests.toString());
        long committed = requests.stream().filter(r -> r.startsWith("PUT ") && r.contains("digest=")).count();
        assertTrue(committed < image.layers().size() + 1, requests.toString());
        assertEquals(404, new RegistryPusher(origin).getManifest(repository, "x").statusCode());
        if (format.equals("oci")) { // its upload was under way: the session is ended, not left for the purge
            assertTrue(requests.stream().anyMatch(r -> r.startsWith("DELETE /v2/" + repository + "/blobs/uploads/")
                    && r.endsWith(" 204")), requests.toString());
        }
    }

    /**
     * A docker 25-shaped archive whose manifest.json points at gzip layers (our OCI archive without index.json), one
     * of them damaged: nothing vouches for a compressed layer but its name and the config's diff id, and both are
     * checked before anything is sent (docker load checks the diff id too).
     */
    @Test
    void aDamagedCompressedLayerOfADockerArchive_isRefusedBeforeAnyRequest() throws IOException {
        Path oci = dir.resolve("for-docker25.tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(ref, "-q", "--no-cache", "--format", "oci",
                "-o", oci.toString()).exitCode());
        String damaged = flipAByteOfTheLargestBlob(oci);
        Path archive = dir.resolve("docker25-gzip.tar");
        try (TarFile in = new TarFile(oci.toFile());
             org.apache.commons.compress.archivers.tar.TarArchiveOutputStream out =
                     new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(archive))) {
            for (TarArchiveEntry entry : in.getEntries()) {
                if (entry.getName().equals("index.json") || entry.getName().equals("oci-layout")) {
                    continue;
                }
                out.putArchiveEntry(entry);
                try (InputStream content = in.getInputStream(entry)) {
                    content.transferTo(out);
                }
                out.closeArchiveEntry();
            }
        }
        String repository = repo();
        long mark = origin.logMark();

        ExporterCli.Result result = push(ExporterCli.create(), archive.toString(), origin.hostPort() + "/" + repository + ":x");

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(1, result.error().lines().count(), result.error());
        assertTrue(result.error().contains("blobs/sha256/" + damaged) && result.error().endsWith("the archive is damaged"),
                result.error());
        assertEquals(List.of(), origin.requestsSince(mark).stream().filter(r -> r.contains("/" + repository + "/")).toList());
        assertEquals(404, new RegistryPusher(origin).getManifest(repository, "x").statusCode());
    }

    /** Flips a byte in the middle of the largest blob of an OCI layout tar; returns that blob's hex digest. */
    private static String flipAByteOfTheLargestBlob(Path archive) throws IOException {
        return flipAByteOfTheLargestEntry(archive, null);
    }

    /**
     * Flips a byte in the middle of the largest entry of a tar (a blob of an OCI layout, or an entry whose name ends
     * in {@code suffix}); returns the blob's hex digest, or for an entry named by its suffix the hex sha256 of its
     * content before the flip (a docker archive's layer: its diff id).
     */
    private static String flipAByteOfTheLargestEntry(Path archive, String suffix) throws IOException {
        TarArchiveEntry largest = null;
        try (TarFile tar = new TarFile(archive.toFile())) {
            for (TarArchiveEntry entry : tar.getEntries()) {
                boolean candidate = suffix == null ? entry.getName().startsWith("blobs/sha256/") : entry.getName().endsWith(suffix);
                if (candidate && (largest == null || entry.getSize() > largest.getSize())) {
                    largest = entry;
                }
            }
        }
        String name = largest.getName();
        if (suffix != null) {
            try (TarFile tar = new TarFile(archive.toFile()); InputStream in = tar.getInputStream(largest)) {
                name = "blobs/sha256/" + java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
            long at = largest.getDataOffset() + largest.getSize() / 2;
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 1);
        }
        return name.substring("blobs/sha256/".length());
    }

    private static TestImage large;

    /** An image with one 48 MiB layer, more than one upload chunk: built and put into the origin once. */
    private Path largeArchive() {
        if (large == null) {
            byte[] big = new byte[48 * 1024 * 1024];
            new Random(7).nextBytes(big);
            large = ImageBuilder.of(ImageFormat.OCI)
                    .layer(LayerSpec.empty().file("big.bin", big), dev.exporter.testing.Compression.GZIP).build();
            new RegistryPusher(origin).push(large, "pushsources/large", "1");
        }
        Path archive = dir.resolve("large.tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(origin.hostPort() + "/pushsources/large:1", "-q",
                "--no-cache", "--format", "oci", "-o", archive.toString()).exitCode());
        return archive;
    }

    private static InetSocketAddress originAddress() {
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(origin.hostPort().split(":")[1]));
    }

    @Test
    void aConnectionBrokenInTheMiddleOfAChunk_startsTheUploadOverAndCompletes() {
        Path archive = largeArchive();
        String repository = repo();
        try (CutUploadProxy proxy = CutUploadProxy.start(originAddress(), "PATCH", 1_000_000, 1)) {
            String target = "127.0.0.1:" + proxy.port() + "/" + repository + ":resumed";

            ExporterCli.Result result = push(ExporterCli.create(), archive.toString(), target);

            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(1, proxy.cutsMade());
            assertEquals(large.configDigest(), skopeoConfigDigest(origin, origin.hostPort() + "/" + repository
                    + ":resumed", null));
        }
    }

    @Test
    void aConnectionBrokenInTheMiddleOfAMonolithicUpload_isRetried() {
        Path archive = dir.resolve("small.tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(ref, "-q", "--no-cache", "-o", archive.toString()).exitCode());
        String repository = repo();
        try (CutUploadProxy proxy = CutUploadProxy.start(originAddress(), "PUT", 20_000, 1)) {
            String target = "127.0.0.1:" + proxy.port() + "/" + repository + ":retried";

            ExporterCli.Result result = push(ExporterCli.create(), archive.toString(), target, "-j", "1");

            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(1, proxy.cutsMade());
            assertEquals(image.configDigest(), skopeoConfigDigest(origin, origin.hostPort() + "/" + repository
                    + ":retried", null));
        }
    }

    @Test
    void sigtermWhileALargeBlobUploads_leavesNoTag() throws Exception {
        Path archive = largeArchive();
        InetSocketAddress registry = originAddress();
        String repository = repo();
        try (WanProxy slow = WanProxy.start(new WanProxy.Config(0, registry, Duration.ofMillis(1), 8_000_000, 0, 64, null))) {
            String target = "127.0.0.1:" + slow.port() + "/" + repository + ":partial";
            long mark = origin.logMark();
            Process process = ExporterCli.create().workDir(dir).start(dir.resolve("out"), dir.resolve("err"), "push",
                    archive.toString(), target);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (origin.requestsSince(mark).stream().noneMatch(r -> r.startsWith("POST ")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(origin.requestsSince(mark).stream().anyMatch(r -> r.startsWith("POST ")),
                    "an upload began: " + origin.requestsSince(mark) + Files.readString(dir.resolve("err")));
            Thread.sleep(1000); // a second into the 48 MiB body, which takes about six at 8 MB/s

            process.destroy(); // SIGTERM while the rest of the blob is on its way
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));

            assertTrue(process.exitValue() != 0, Files.readString(dir.resolve("err")));
            assertTrue(origin.requestsSince(mark).stream().noneMatch(r -> r.contains("/manifests/")),
                    origin.requestsSince(mark).toString());
            assertEquals(404, new RegistryPusher(origin).getManifest(repository, "partial").statusCode());
        }

        // the next push starts over and completes
        String target = origin.hostPort() + "/" + repository + ":partial";
        ExporterCli.Result again = push(ExporterCli.create(), archive.toString(), target);
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(large.configDigest(), skopeoConfigDigest(origin, target, null));
    }
}
