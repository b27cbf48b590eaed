package dev.exporter.push;

import dev.exporter.testing.Dockerd;
import dev.exporter.testing.Exec;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestIndex;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code exporter push} against the real registry: what arrives is checked with skopeo (the digest of the raw
 * manifest) and with the test dockerd (pull, image id = the origin's config digest), and what was sent with the
 * registry's own access log.
 */
@ExtendWith(SharedResources.class)
class PushCommandTest {

    private static final AtomicInteger REPOS = new AtomicInteger();
    private static LocalRegistry origin;
    private static TestImage image;
    private static TestIndex index;
    private static String imageRef;
    private static String indexRef;
    private static String indexDigest;

    @TempDir
    Path dir;

    @BeforeAll
    static void images() {
        origin = SharedRegistries.anonymous();
        image = TestImages.small(ImageFormat.OCI, "push-source");
        new RegistryPusher(origin).push(image, "pushsrc/app", "1");
        imageRef = origin.hostPort() + "/pushsrc/app:1";
        index = TestImages.multiPlatform(ImageFormat.OCI);
        indexDigest = new RegistryPusher(origin).push(index, "pushsrc/multi", "2");
        indexRef = origin.hostPort() + "/pushsrc/multi:2";
    }

    private static String repo() {
        return "pushed/r" + REPOS.incrementAndGet();
    }

    private Path export(String ref, String name, String... options) {
        Path out = dir.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of(ref, "-q", "--no-cache", "-o", out.toString()));
        args.addAll(List.of(options));
        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.stderr());
        return out;
    }

    private ExporterCli.Result push(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("push"));
        all.addAll(List.of(args));
        return ExporterCli.create().workDir(dir).run(all.toArray(String[]::new));
    }

    /** sha256 of the manifest skopeo reads for {@code ref}: an independent look at what the registry holds. */
    private static String skopeoDigest(LocalRegistry registry, String ref) {
        ExternalTools.require("skopeo");
        List<String> command = new java.util.ArrayList<>(List.of("skopeo", "inspect", "--raw"));
        command.add("--tls-verify=false");
        command.add("docker://" + ref);
        Exec.Result result = Exec.run(Duration.ofSeconds(60), command.toArray(String[]::new)).check();
        return sha256(result.stdout().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** docker pulls {@code ref}; its image id must be {@code configDigest}. */
    private static void assertDockerPullsWithId(String ref, String configDigest) {
        Dockerd docker = SharedDockerd.get();
        docker.docker("pull", ref).check();
        assertEquals(configDigest, docker.inspect(ref).path("Id").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"oci", "oci-dir"})
    void ociSource_keepsEveryDigest_ofAMultiPlatformIndex(String format) {
        Path layout = export(indexRef, "multi-" + format, "--format", format, "--all-platforms");
        String target = origin.hostPort() + "/" + repo() + ":copy";

        ExporterCli.Result result = push(layout.toString(), target);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(indexDigest, skopeoDigest(origin, target));
        ExporterCli.Result manifest = ExporterCli.create().run("manifest", "--digest", target);
        assertEquals(indexDigest, manifest.stdoutText().strip());
        assertTrue(result.stderr().contains("Pushed " + target + ": " + indexDigest), result.stderr());
    }

    @Test
    void dockerSource_keepsTheImageId_andDockerPullsIt() {
        Path archive = export(imageRef, "app.tar");
        String target = origin.hostPort() + "/" + repo() + ":from-docker";

        ExporterCli.Result result = push(archive.toString(), target);

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("new manifest digest"), result.stderr());
        assertDockerPullsWithId(target, image.configDigest());
    }

    @Test
    void rePush_uploadsNothing() {
        Path archive = export(imageRef, "again.tar", "--format", "oci");
        String target = origin.hostPort() + "/" + repo() + ":again";
        assertEquals(0, push(archive.toString(), target).exitCode());
        long mark = origin.logMark();

        ExporterCli.Result again = push(archive.toString(), target);

        assertEquals(0, again.exitCode(), again.stderr());
        List<String> requests = origin.requestsSince(mark);
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("PATCH ") || r.startsWith("POST ")
                || r.startsWith("PUT ") && r.contains("/blobs/")), requests.toString());
        assertEquals(image.layers().size() + 1, requests.stream().filter(r -> r.startsWith("HEAD ") && r.contains("/blobs/")).count(),
                requests.toString());
        assertTrue(again.stderr().contains("Layer already exists"), again.stderr());
    }

    /** Blob uploads among {@code requests}: sessions opened, chunks and closing PUTs. */
    private static List<String> uploads(List<String> requests) {
        return requests.stream().filter(r -> r.startsWith("PATCH ") || r.startsWith("POST ")
                || r.startsWith("PUT ") && r.contains("/blobs/")).toList();
    }

    @Test
    void dockerRePush_withTheCache_compressesAndUploadsNothing_andTagsTheSameManifest() throws IOException {
        Path archive = export(imageRef, "docker-again.tar");
        String target = origin.hostPort() + "/" + repo() + ":again";
        Path cache = dir.resolve("push-cache");
        ExporterCli.Result first = push(archive.toString(), target, "--cache", cache.toString());
        assertEquals(0, first.exitCode(), first.stderr());
        String firstDigest = skopeoDigest(origin, target);
        // proof that no layer is read again: one that is damaged now would fail a push that compressed it
        damageTheLargestLayer(archive);
        long mark = origin.logMark();

        ExporterCli.Result again = push(archive.toString(), target, "--cache", cache.toString());

        assertEquals(0, again.exitCode(), again.stderr());
        List<String> requests = origin.requestsSince(mark);
        assertEquals(List.of(), uploads(requests), requests.toString());
        assertEquals(image.layers().size() + 1, requests.stream().filter(r -> r.startsWith("HEAD ") && r.contains("/blobs/")).count(),
                requests.toString());
        assertTrue(again.stderr().contains("Layer already exists"), again.stderr());
        assertEquals(firstDigest, skopeoDigest(origin, target));
    }

    @Test
    void aRememberedDigestOfTheWrongSize_isNotTrusted() throws IOException {
        Path archive = export(imageRef, "docker-wrong-size.tar");
        String target = origin.hostPort() + "/" + repo() + ":again";
        Path cache = dir.resolve("push-cache-wrong");
        assertEquals(0, push(archive.toString(), target, "--cache", cache.toString(), "-q").exitCode());
        String firstDigest = skopeoDigest(origin, target);
        List<Path> entries;
        try (var files = Files.walk(cache.resolve("push-gzip"))) {
            entries = files.filter(Files::isRegularFile).toList();
        }
        assertEquals(image.layers().size(), entries.size(), entries.toString());
        for (Path entry : entries) { // the right digest, the wrong size
            String[] fields = Files.readString(entry).trim().split(" ");
            Files.writeString(entry, fields[0] + " " + (Long.parseLong(fields[1]) + 1) + "\n");
        }
        long mark = origin.logMark();

        ExporterCli.Result again = push(archive.toString(), target, "--cache", cache.toString(), "-q");

        assertEquals(0, again.exitCode(), again.stderr());
        assertTrue(uploads(origin.requestsSince(mark)).stream().anyMatch(r -> r.startsWith("POST ")));
        assertEquals(firstDigest, skopeoDigest(origin, target), "the manifest names the sizes the layers have");
    }

    /** Flips a byte in the middle of the largest {@code layer.tar} of a docker archive. */
    private static void damageTheLargestLayer(Path archive) throws IOException {
        org.apache.commons.compress.archivers.tar.TarArchiveEntry largest = null;
        try (org.apache.commons.compress.archivers.tar.TarFile tar =
                     new org.apache.commons.compress.archivers.tar.TarFile(archive.toFile())) {
            for (var entry : tar.getEntries()) {
                if (entry.getName().endsWith("/layer.tar") && (largest == null || entry.getSize() > largest.getSize())) {
                    largest = entry;
                }
            }
        }
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(archive.toFile(), "rw")) {
            long at = largest.getDataOffset() + largest.getSize() / 2;
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 1);
        }
    }

    @Test
    void dockerRePush_withoutTheCache_uploadsAgain_theSameBytes() {
        Path archive = export(imageRef, "docker-nocache.tar");
        String target = origin.hostPort() + "/" + repo() + ":again";
        assertEquals(0, push(archive.toString(), target, "--no-cache").exitCode());
        String firstDigest = skopeoDigest(origin, target);
        long mark = origin.logMark();

        ExporterCli.Result again = push(archive.toString(), target, "--no-cache", "-q");

        assertEquals(0, again.exitCode(), again.stderr());
        // nothing tells the digests before compressing, so the layers go up again: compression is deterministic,
        // and the registry ends up with the same blobs and the same manifest
        assertTrue(uploads(origin.requestsSince(mark)).stream().anyMatch(r -> r.startsWith("POST ")));
        assertEquals(firstDigest, skopeoDigest(origin, target));
    }

    @Test
    void blobsThisRunPushedToOneRepository_areMountedIntoTheNext() {
        new RegistryPusher(origin).push(image, "pushsrc/app2", "1");
        Path layout = dir.resolve("two-names");
        assertEquals(0, ExporterCli.create().workDir(dir).run(imageRef, origin.hostPort() + "/pushsrc/app2:1", "-q",
                "--no-cache", "--format", "oci-dir", "-o", layout.toString()).exitCode());
        String prefix = repo();
        long mark = origin.logMark();

        ExporterCli.Result result = push(layout.toString(), "--to", origin.hostPort() + "/" + prefix);

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> requests = origin.requestsSince(mark);
        int blobs = image.layers().size() + 1;
        assertEquals(blobs, requests.stream().filter(r -> r.startsWith("PUT ") && r.contains("/blobs/uploads/")
                && r.endsWith(" 201")).count(), requests.toString());
        assertEquals(blobs, requests.stream().filter(r -> r.startsWith("POST ") && r.contains("?mount=sha256")
                && r.contains("&from=" + prefix.replace("/", "%2F") + "%2Fpushsrc%2Fapp") && r.endsWith(" 201")).count(),
                requests.toString());
        assertTrue(result.stderr().contains("Mounted from " + prefix + "/pushsrc/app"), result.stderr());
        assertEquals(skopeoDigest(origin, origin.hostPort() + "/" + prefix + "/pushsrc/app:1"),
                skopeoDigest(origin, origin.hostPort() + "/" + prefix + "/pushsrc/app2:1"));
    }

    @Test
    void registriesConf_rewritesAndBlocksPushTargets_butNeverSendsThemToAMirror() throws java.io.IOException {
        Path archive = export(imageRef, "conf.tar", "--format", "oci");
        String rewritten = repo();
        ExporterCli cli = ExporterCli.create().workDir(dir);
        java.nio.file.Files.createDirectories(cli.home().resolve(".config/containers"));
        java.nio.file.Files.writeString(cli.home().resolve(".config/containers/registries.conf"), String.join("\n",
                "[[registry]]",
                "prefix = \"" + origin.hostPort() + "/virtual\"",
                "location = \"" + origin.hostPort() + "/" + rewritten + "\"",
                "[[registry.mirror]]",
                "location = \"127.0.0.1:1/never\"",
                "[[registry]]",
                "prefix = \"" + origin.hostPort() + "/forbidden\"",
                "location = \"" + origin.hostPort() + "/forbidden\"",
                "blocked = true", ""));

        ExporterCli.Result pushed = cli.run("push", archive.toString(), origin.hostPort() + "/virtual/app:1");
        ExporterCli.Result blocked = cli.run("push", archive.toString(), origin.hostPort() + "/forbidden/app:1");

        assertEquals(0, pushed.exitCode(), pushed.stderr());
        assertEquals(skopeoDigest(origin, imageRef), skopeoDigest(origin, origin.hostPort() + "/" + rewritten + "/app:1"));
        assertEquals(1, blocked.exitCode(), blocked.stderr());
        assertTrue(blocked.error().contains("is blocked by"), blocked.error());
    }

    @Test
    void airGapWalkthrough_list_bundle_verify_push_keepsTheLockedDigests() throws java.io.IOException {
        Path list = dir.resolve("images.txt");
        java.nio.file.Files.writeString(list, "# the product\n" + imageRef + "\n\n  " + indexRef + "  \n");
        Path bundle = dir.resolve("bundle.tar.gz");
        Path lock = dir.resolve("images.lock");

        ExporterCli.Result exported = ExporterCli.create().workDir(dir).run("-f", list.toString(), "--format", "oci",
                "--all-platforms", "-o", bundle.toString(), "--digestfile", lock.toString(), "-q", "--no-cache");
        ExporterCli.Result verified = ExporterCli.create().workDir(dir).run("verify", bundle.toString());
        String prefix = origin.hostPort() + "/" + repo();
        ExporterCli.Result pushed = push(bundle.toString(), "--to", prefix);

        assertEquals(0, exported.exitCode(), exported.stderr());
        assertEquals(0, verified.exitCode(), verified.stderr() + verified.stdoutText());
        assertEquals(0, pushed.exitCode(), pushed.stderr());
        List<String> locked = java.nio.file.Files.readAllLines(lock);
        assertEquals(2, locked.size(), locked.toString());
        for (String line : locked) {
            String name = line.substring(0, line.indexOf('@'));
            String digest = line.substring(line.indexOf('@') + 1);
            String target = prefix + "/" + name.substring(name.indexOf('/') + 1);
            assertEquals(digest, skopeoDigest(origin, target), target);
        }
    }

    @Test
    void targetWithSeveralImages_isAUsageErrorNamingThem() {
        Path archive = dir.resolve("two.tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(imageRef, indexRef, "-q", "--no-cache", "--format", "oci",
                "-o", archive.toString()).exitCode());

        ExporterCli.Result result = push(archive.toString(), origin.hostPort() + "/x/y:1");

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("holds 2 images") && result.stderr().contains("pushsrc/app:1")
                && result.stderr().contains("pushsrc/multi:2"), result.stderr());
    }

    /**
     * A password given with {@code -u} goes to one registry: a source whose saved names span two (here the same
     * registry spelled two ways) is a usage error before any request, unless TARGET or {@code --to} names where.
     */
    @Test
    void usernameWithImagesForSeveralRegistries_isAUsageError_beforeAnyRequest() {
        String port = origin.hostPort().substring(origin.hostPort().lastIndexOf(':') + 1);
        Path archive = dir.resolve("two-registries.tar");
        assertEquals(0, ExporterCli.create().workDir(dir).run(imageRef, "localhost:" + port + "/pushsrc/multi:2", "-q",
                "--no-cache", "--format", "oci", "-o", archive.toString()).exitCode());
        long mark = origin.logMark();

        ExporterCli.Result refused = ExporterCli.create().workDir(dir).stdin("secret\n")
                .run("push", archive.toString(), "-u", "alice", "--password-stdin");

        assertEquals(2, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().startsWith("exporter: --username gives credentials for one registry, but the images of "
                + archive + " go to 2 (127.0.0.1:" + port + ", localhost:" + port + ")"), refused.stderr());
        assertFalse(refused.stderr().contains("secret"), refused.stderr());
        assertEquals(List.of(), origin.requestsSince(mark));

        ExporterCli.Result rehomed = ExporterCli.create().workDir(dir).stdin("secret\n")
                .run("push", archive.toString(), "--to", origin.hostPort() + "/" + repo(), "-u", "alice", "--password-stdin", "-q");
        assertEquals(0, rehomed.exitCode(), rehomed.stderr());
    }
}
