package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.layout.OciLayoutReader;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.ReferrersLister;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RetryPolicy;
import dev.exporter.registry.TransportOptions;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.registry.http.Proxies;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.ReferrersRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.testing.TestReferrer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OCI 1.1 referrers API, against an in-process registry that has it (none installed here does): the request
 * shape, {@code artifactType} filtering by the registry or, when it ignores the filter, by us, {@code Link}
 * pagination, and an export whose layout names API-only referrers by their subject.
 */
@ExtendWith(SharedResources.class)
class ReferrersApiTest {

    private static final String REPO = "team/app";
    private final TestImage image = TestImages.small(ImageFormat.OCI, "referrers-api");
    private ReferrersRegistry registry;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static RegistryClient client() {
        return new RegistryClient(new TransportOptions(null, false, true, Duration.ofSeconds(10), Duration.ofSeconds(10),
                Proxies.NONE), new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1)), CredentialProvider.anonymous());
    }

    private ImageReference repository() {
        return ImageReference.parse(registry.hostPort() + "/" + REPO + ":v1");
    }

    /** Three SBOMs and two signatures (OCI 1.1 style, with artifactType) of the image. */
    private List<TestReferrer> fiveReferrers() {
        List<TestReferrer> referrers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TestReferrer referrer = i % 2 == 0
                    ? TestReferrer.sbom(image.mediaType(), image.manifestBytes(), "sbom-" + i)
                    : signatureArtifact("signature-" + i);
            registry.referrer(image.manifestDigest(), referrer);
            referrers.add(referrer);
        }
        return referrers;
    }

    /** An OCI 1.1 signature artifact (as notation or newer cosign push them): same shape, another artifactType. */
    private TestReferrer signatureArtifact(String name) {
        TestReferrer sbom = TestReferrer.sbom(image.mediaType(), image.manifestBytes(), name);
        String json = new String(sbom.manifestBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"artifactType\":\"application/spdx+json\"", "\"artifactType\":\"application/vnd.cncf.notary.signature\"");
        return new TestReferrer(sbom.mediaType(), "application/vnd.cncf.notary.signature",
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8), sbom.blobs());
    }

    private static List<String> digests(List<ReferrersLister.Listed> listed) {
        return listed.stream().map(l -> l.descriptor().digest().toString()).toList();
    }

    @Test
    void list_asksForAnIndexAtTheReferrersPath_andFollowsLinkPagination() {
        registry = ReferrersRegistry.start(REPO, 2, true);
        List<TestReferrer> referrers = fiveReferrers();

        Optional<List<ReferrersLister.Listed>> listed = new ReferrersLister(client())
                .list(repository(), Digest.parse(image.manifestDigest()), null);

        assertEquals(referrers.stream().map(TestReferrer::digest).toList(), digests(listed.orElseThrow()));
        assertEquals(TestReferrer.SPDX, listed.get().get(0).artifactType());
        String path = "/v2/" + REPO + "/referrers/" + image.manifestDigest();
        assertEquals(List.of("GET " + path, "GET " + path + "?page=1", "GET " + path + "?page=2"), registry.requests());
        assertEquals(List.of(MediaTypes.OCI_INDEX), registry.accepts().stream().distinct().toList());
    }

    @Test
    void list_byArtifactType_isFilteredByTheRegistry() {
        registry = ReferrersRegistry.start(REPO, 2, true);
        List<TestReferrer> referrers = fiveReferrers();

        List<ReferrersLister.Listed> listed = new ReferrersLister(client())
                .list(repository(), Digest.parse(image.manifestDigest()), TestReferrer.SPDX).orElseThrow();

        assertEquals(List.of(referrers.get(0).digest(), referrers.get(2).digest(), referrers.get(4).digest()), digests(listed));
        String path = "/v2/" + REPO + "/referrers/" + image.manifestDigest();
        assertEquals(List.of("GET " + path + "?artifactType=application%2Fspdx%2Bjson",
                "GET " + path + "?page=1&artifactType=application%2Fspdx%2Bjson"), registry.requests());
    }

    @Test
    void list_byArtifactType_isFilteredHereWhenTheRegistryIgnoresTheFilter() {
        registry = ReferrersRegistry.start(REPO, 2, false);
        List<TestReferrer> referrers = fiveReferrers();

        List<ReferrersLister.Listed> listed = new ReferrersLister(client()).list(repository(),
                Digest.parse(image.manifestDigest()), "application/vnd.cncf.notary.signature").orElseThrow();

        assertEquals(List.of(referrers.get(1).digest(), referrers.get(3).digest()), digests(listed));
        assertEquals(3, registry.requests().size(), "every page of the unfiltered list");
    }

    @Test
    void list_onARegistryWithoutTheApi_isEmpty() {
        TestImage plain = TestImages.small(ImageFormat.OCI, "no-referrers-api");
        var shared = SharedRegistries.anonymous();
        String digest = new RegistryPusher(shared).push(plain, "referrers/none", "v1");

        Optional<List<ReferrersLister.Listed>> listed = new ReferrersLister(client())
                .list(ImageReference.parse(shared.hostPort() + "/referrers/none:v1"), Digest.parse(digest), null);

        assertTrue(listed.isEmpty());
    }

    @Test
    void export_whereTheApiAnswers_ignoresTheFallbackTag_thoughItsHeadWentOutAlongside() throws IOException {
        registry = ReferrersRegistry.start(REPO, 2, true);
        registry.image(image, "v1");
        fiveReferrers();
        String hex = image.manifestDigest().substring("sha256:".length());
        TestImage decoy = TestImages.small(ImageFormat.OCI, "fallback-decoy");
        registry.image(decoy, "sha256-" + hex); // what a fallback tag would hold; the API's answer is what counts
        Path layout = dir.resolve("layout");

        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/" + REPO + ":v1",
                "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        String index = Files.readString(layout.resolve("index.json"));
        assertEquals(6, Json.parse(index.getBytes(java.nio.charset.StandardCharsets.UTF_8), "index.json")
                .get("manifests").size(), index);
        assertFalse(index.contains(decoy.manifestDigest()), index);
        List<String> requests = registry.requests();
        assertTrue(requests.contains("HEAD /v2/" + REPO + "/manifests/sha256-" + hex), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("GET ") && r.contains(decoy.manifestDigest())),
                requests.toString());
    }

    @Test
    void export_keepsApiReferrersAndTheirOwn_namedBySubjectAndRepository() throws IOException {
        registry = ReferrersRegistry.start(REPO, 2, true);
        registry.image(image, "v1");
        List<TestReferrer> referrers = fiveReferrers();
        TestReferrer signatureOfSbom = signatureArtifact("signature-of-sbom-0");
        registry.referrer(referrers.get(0).digest(), signatureOfSbom);
        Path layout = dir.resolve("layout");

        ExporterCli.Result result = ExporterCli.create().run(registry.hostPort() + "/" + REPO + ":v1",
                "--format", "oci-dir", "-o", layout.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        JsonNode entries = Json.parse(Files.readAllBytes(layout.resolve("index.json")), "index.json").get("manifests");
        assertEquals(7, entries.size(), entries.toString());
        String repository = registry.hostPort() + "/" + REPO;
        List<TestReferrer> all = new ArrayList<>(referrers);
        all.add(signatureOfSbom);
        for (int i = 0; i < all.size(); i++) {
            JsonNode entry = entries.get(i + 1);
            TestReferrer referrer = all.get(i);
            assertEquals(referrer.digest(), entry.get("digest").asText());
            assertEquals(referrer.artifactType(), entry.get("artifactType").asText());
            JsonNode annotations = entry.get("annotations");
            assertEquals(i < 5 ? image.manifestDigest() : referrers.get(0).digest(),
                    annotations.get("dev.exporter.referrer.subject").asText());
            assertEquals(repository, annotations.get("dev.exporter.referrer.repository").asText());
            assertEquals(2, annotations.size(), "no ref.name: no tag names it");
            assertArrayEquals(referrer.manifestBytes(),
                    Files.readAllBytes(layout.resolve("blobs/sha256/" + referrer.digest().substring(7))));
        }
        try (OciLayoutReader reader = OciLayoutReader.open(layout)) {
            List<SourceImage> read = reader.images();
            assertEquals(7, read.size());
            assertEquals(1, read.get(0).images().size());
            for (SourceImage artifact : read.subList(1, 7)) {
                assertEquals(List.of(), artifact.names(), "a referrer without a tag has no name");
                assertEquals(List.of(), artifact.images(), "an empty config is no image config");
            }
        }
        String hex = image.manifestDigest().substring("sha256:".length());
        List<String> requests = registry.requests();
        for (String suffix : List.of(".sig", ".att", ".sbom")) {
            assertTrue(requests.contains("HEAD /v2/" + REPO + "/manifests/sha256-" + hex + suffix), requests.toString());
        }
        // The fallback tag's HEAD goes out beside the API request (one round trip for both), once; where the API
        // answers, nothing the tag might hold is pulled.
        assertEquals(1, requests.stream().filter(r -> r.endsWith("/manifests/sha256-" + hex)).count(), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("GET ") && r.contains("/manifests/sha256-")), requests.toString());

        // push puts every API-only referrer (and the signature of one) into the image's new repository, by digest
        dev.exporter.testing.LocalRegistry real = SharedRegistries.anonymous();
        ExporterCli.Result pushed = ExporterCli.create().run("push", layout.toString(), "--to", real.hostPort() + "/api");
        assertEquals(0, pushed.exitCode(), pushed.stderr());
        RegistryPusher pusher = new RegistryPusher(real);
        String moved = "api/" + REPO;
        assertEquals(200, pusher.getManifest(moved, "v1").statusCode());
        for (TestReferrer referrer : all) {
            var response = pusher.getManifest(moved, referrer.digest());
            assertEquals(200, response.statusCode(), referrer.digest());
            assertArrayEquals(referrer.manifestBytes(), response.body());
        }
        // distribution 2.8 has no referrers API: the fallback tags list them, as the spec tells clients to keep them
        // (each under the subject its own manifest names)
        java.util.Map<String, java.util.Set<String>> bySubject = new java.util.HashMap<>();
        for (TestReferrer referrer : all) {
            String subject = Json.parse(referrer.manifestBytes(), "referrer").path("subject").path("digest").asText();
            bySubject.computeIfAbsent(subject, k -> new java.util.HashSet<>()).add(referrer.digest());
        }
        for (java.util.Map.Entry<String, java.util.Set<String>> subject : bySubject.entrySet()) {
            assertEquals(subject.getValue(), fallbackDigests(pusher, moved, subject.getKey()), subject.getKey());
        }
    }

    /** The digests the fallback index {@code sha256-HEX} of {@code subject} lists. */
    private static java.util.Set<String> fallbackDigests(RegistryPusher pusher, String repository, String subject) {
        var response = pusher.getManifest(repository, "sha256-" + subject.substring("sha256:".length()));
        assertEquals(200, response.statusCode(), "fallback tag of " + subject);
        java.util.Set<String> digests = new java.util.HashSet<>();
        Json.parse(response.body(), "fallback index").get("manifests").forEach(m -> digests.add(m.get("digest").asText()));
        return digests;
    }
}
