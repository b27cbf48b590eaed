package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.image.SourceImage;
import dev.exporter.layout.OciLayoutReader;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestReferrer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signatures and SBOMs travel with the image into OCI layouts: against the real test registry, which (distribution
 * 2.8) has no referrers API, so the SBOM is found through the {@code sha256-<hex>} fallback index and signatures
 * through cosign's tags; a signature of the SBOM comes along too.
 */
@ExtendWith(SharedResources.class)
class ReferrersTest {

    private static final String REPO = "signed/app";
    private static LocalRegistry registry;
    private static TestImage image;
    private static String imageDigest;
    private static TestReferrer signature;
    private static TestReferrer sbom;
    private static TestReferrer sbomSignature;
    private static byte[] fallbackIndex;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        registry = SharedRegistries.anonymous();
        RegistryPusher pusher = new RegistryPusher(registry);
        image = TestImages.small(ImageFormat.OCI, "signed");
        imageDigest = pusher.push(image, REPO, "v1");
        signature = TestReferrer.cosignSignature(imageDigest, ref("v1"));
        signature.push(pusher, REPO, TestReferrer.tagFor(imageDigest) + ".sig");
        sbom = TestReferrer.sbom(image.mediaType(), image.manifestBytes(), "signed-app");
        sbom.push(pusher, REPO, sbom.digest());
        fallbackIndex = TestReferrer.index(List.of(sbom));
        pusher.pushManifest(REPO, TestReferrer.tagFor(imageDigest), TestReferrer.OCI_INDEX, fallbackIndex);
        sbomSignature = TestReferrer.cosignSignature(sbom.digest(), ref("v1"));
        sbomSignature.push(pusher, REPO, TestReferrer.tagFor(sbom.digest()) + ".sig");
    }

    private static String ref(String tag) {
        return registry.hostPort() + "/" + REPO + ":" + tag;
    }

    /** index.json's entries: name (or subject annotation) to digest. */
    private static Map<String, String> entries(JsonNode index) {
        Map<String, String> entries = new LinkedHashMap<>();
        for (JsonNode entry : index.get("manifests")) {
            JsonNode annotations = entry.path("annotations");
            assertEquals(annotations.path("io.containerd.image.name").asText(),
                    annotations.path("org.opencontainers.image.ref.name").asText(), entry.toString());
            entries.put(annotations.path("org.opencontainers.image.ref.name").asText(), entry.get("digest").asText());
        }
        return entries;
    }

    private static Map<String, String> expectedEntries() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(ref("v1"), imageDigest);
        expected.put(ref(TestReferrer.tagFor(imageDigest)), dev.exporter.testing.Digests.sha256(fallbackIndex));
        expected.put(ref(TestReferrer.tagFor(imageDigest) + ".sig"), signature.digest());
        expected.put(ref(TestReferrer.tagFor(sbom.digest()) + ".sig"), sbomSignature.digest());
        return expected;
    }

    /** Every manifest and blob of the referrers, byte for byte. */
    private static Map<String, byte[]> referrerContent() {
        Map<String, byte[]> content = new LinkedHashMap<>();
        content.put(dev.exporter.testing.Digests.sha256(fallbackIndex), fallbackIndex);
        for (TestReferrer referrer : List.of(signature, sbom, sbomSignature)) {
            content.put(referrer.digest(), referrer.manifestBytes());
            content.putAll(referrer.blobs());
        }
        return content;
    }

    private static String blobPath(String digest) {
        return "blobs/sha256/" + digest.substring("sha256:".length());
    }

    @Test
    void ociDir_keepsSignaturesTheFallbackIndexAndTheSbom_withTheirDigestsAndTags() throws IOException {
        Path layout = dir.resolve("layout");

        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode index = Json.parse(Files.readAllBytes(layout.resolve("index.json")), "index.json");
        assertEquals(expectedEntries(), entries(index));
        assertEquals(TestReferrer.OCI_INDEX, index.get("manifests").get(1).get("mediaType").asText());
        for (Map.Entry<String, byte[]> blob : referrerContent().entrySet()) {
            assertArrayEquals(blob.getValue(), Files.readAllBytes(layout.resolve(blobPath(blob.getKey()))), blob.getKey());
        }
        JsonNode dockerManifest = Json.parse(Files.readAllBytes(layout.resolve("manifest.json")), "manifest.json");
        assertEquals(1, dockerManifest.size(), "docker load sees only the image");
        assertTrue(result.stderr().contains("Referrers: 4 (signatures, SBOMs, attestations), 6 blobs"), result.stderr());

        ExporterCli.Result verify = ExporterCli.create().run("verify", layout.toString());
        assertEquals(0, verify.exitCode(), verify.stdoutText() + verify.stderr());
    }

    @Test
    void verify_namesADamagedSbomBlob() throws IOException {
        Path layout = dir.resolve("damaged");
        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "--format", "oci-dir", "-o", layout.toString());
        assertEquals(0, result.exitCode(), result.stderr());
        String document = sbom.blobs().keySet().stream().toList().get(1);
        Path blob = layout.resolve(blobPath(document));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[3] ^= 1;
        blob.toFile().setWritable(true);
        Files.write(blob, bytes);

        ExporterCli.Result verify = ExporterCli.create().run("verify", layout.toString());

        assertEquals(1, verify.exitCode(), verify.stdoutText());
        List<String> damaged = verify.stdoutText().lines().filter(l -> l.startsWith("DAMAGED")).toList();
        assertEquals(1, damaged.size(), verify.stdoutText());
        assertTrue(damaged.get(0).contains(ref(TestReferrer.tagFor(imageDigest))) && damaged.get(0).contains(document),
                damaged.get(0));
    }

    @Test
    void ociDir_probesCosignTagsWithHead_neverWithGet() throws IOException {
        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "--format", "oci-dir",
                "-o", dir.resolve("probed").toString());

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> log = registry.log().lines().filter(l -> l.contains("/v2/" + REPO + "/manifests/sha256-")).toList();
        String hex = imageDigest.substring("sha256:".length());
        for (String suffix : List.of(".sig", ".att", ".sbom", "")) {
            String path = "/v2/" + REPO + "/manifests/sha256-" + hex + suffix + " ";
            assertTrue(log.stream().anyMatch(l -> l.contains("\"HEAD " + path)), "HEAD " + path + " in\n" + String.join("\n", log));
        }
        assertTrue(log.stream().noneMatch(l -> l.contains("\"GET ")), String.join("\n", log));
    }

    @Test
    void ociArchive_holdsTheSameReferrers_andTheReaderYieldsThemAsEntries() throws IOException {
        Path out = dir.resolve("bundle.tar");

        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "--format", "oci", "-o", out.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(expectedEntries(), entries(Json.parse(PullToDockerTest.read(out, "index.json"), "index.json")));
        for (Map.Entry<String, byte[]> blob : referrerContent().entrySet()) {
            assertArrayEquals(blob.getValue(), PullToDockerTest.read(out, blobPath(blob.getKey())), blob.getKey());
        }
        try (OciLayoutReader reader = OciLayoutReader.open(out, dir)) {
            List<SourceImage> images = reader.images();
            assertEquals(List.copyOf(expectedEntries().keySet()), images.stream().map(i -> i.names().get(0)).toList());
            assertEquals(List.copyOf(expectedEntries().values()), images.stream().map(i -> i.root().digest().toString()).toList());
            assertEquals(1, images.get(0).images().size());
            assertEquals(0, images.get(1).images().size(), "the fallback index lists an artifact, not an image");
            assertEquals(1, images.get(2).images().size(), "cosign's config is an image config");
        }
    }

    @Test
    void pushedLayout_arrivesWithTheSignatureTagsAndTheFallbackIndex_underTheirDigests() throws IOException {
        Path layout = dir.resolve("to-push");
        ExporterCli.Result exported = ExporterCli.create().run(ref("v1"), "--format", "oci-dir", "-o", layout.toString());
        assertEquals(0, exported.exitCode(), exported.stderr());

        ExporterCli.Result pushed = ExporterCli.create().run("push", layout.toString(), "--to", registry.hostPort() + "/moved");

        assertEquals(0, pushed.exitCode(), pushed.stderr());
        RegistryPusher pusher = new RegistryPusher(registry);
        String moved = "moved/" + REPO;
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("v1", imageDigest);
        tags.put(TestReferrer.tagFor(imageDigest), dev.exporter.testing.Digests.sha256(fallbackIndex));
        tags.put(TestReferrer.tagFor(imageDigest) + ".sig", signature.digest());
        tags.put(TestReferrer.tagFor(sbom.digest()) + ".sig", sbomSignature.digest()); // the signature of the SBOM
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            var response = pusher.getManifest(moved, tag.getKey());
            assertEquals(200, response.statusCode(), tag.getKey());
            assertEquals(tag.getValue(), dev.exporter.testing.Digests.sha256(response.body()), tag.getKey());
        }
        assertEquals(200, pusher.getManifest(moved, sbom.digest()).statusCode(), "the SBOM the fallback index lists");
    }

    @Test
    void ociToStandardOutput_holdsTheSameReferrers() throws IOException {
        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "--format", "oci", "-o", "-");

        assertEquals(0, result.exitCode(), result.stderr());
        Path out = Files.write(dir.resolve("streamed.tar"), result.stdout());
        assertEquals(expectedEntries(), entries(Json.parse(PullToDockerTest.read(out, "index.json"), "index.json")));
        for (Map.Entry<String, byte[]> blob : referrerContent().entrySet()) {
            assertArrayEquals(blob.getValue(), PullToDockerTest.read(out, blobPath(blob.getKey())), blob.getKey());
        }
    }

    @Test
    void prefixRewrite_findsReferrersWhereTheImageLives_andNamesThemAsExported() throws IOException {
        ExporterCli cli = ExporterCli.create();
        Path conf = cli.home().resolve(".config/containers/registries.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "[[registry]]\nprefix = \"rewritten.test/team\"\nlocation = \"" + registry.hostPort()
                + "/signed\"\n");
        Path layout = dir.resolve("rewritten");

        ExporterCli.Result result = cli.run("rewritten.test/team/app:v1", "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        Map<String, String> expected = new LinkedHashMap<>();
        expectedEntries().forEach((name, digest) -> expected.put(name.replace(registry.hostPort() + "/" + REPO,
                "rewritten.test/team/app"), digest));
        assertEquals(expected, entries(Json.parse(Files.readAllBytes(layout.resolve("index.json")), "index.json")));
    }

    @Test
    void noReferrers_exportsTheImageAlone() throws IOException {
        Path layout = dir.resolve("plain");

        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "--format", "oci-dir", "--no-referrers",
                "-o", layout.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode index = Json.parse(Files.readAllBytes(layout.resolve("index.json")), "index.json");
        assertEquals(Map.of(ref("v1"), imageDigest), entries(index));
        assertFalse(Files.exists(layout.resolve(blobPath(signature.digest()))));
    }

    @Test
    void dockerArchive_saysInOneLineThatItLeavesThemOut() {
        ExporterCli.Result result = ExporterCli.create().run(ref("v1"), "-o", dir.resolve("docker.tar").toString());

        assertEquals(0, result.exitCode(), result.stderr());
        List<String> notes = result.stderr().lines().filter(l -> l.startsWith("exporter: note:")).toList();
        assertEquals(List.of("exporter: note: " + ref("v1") + " has signatures or other referrers (tag "
                + TestReferrer.tagFor(imageDigest) + " and 1 more) that --format docker cannot carry;"
                + " --format oci or oci-dir keeps them"), notes);
    }
}
