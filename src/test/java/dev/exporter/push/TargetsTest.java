package dev.exporter.push;

import dev.exporter.image.ManifestDocument;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.reference.ImageReference;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where {@code push} sends each image: TARGET, --to, the saved names, --image, and attached signatures. */
class TargetsTest {

    private static SourceImage image(String seed, String... names) {
        return referrer(seed, null, names);
    }

    /** A manifest whose {@code subject} is {@code subject} (null for none). */
    private static SourceImage referrer(String seed, String subject, String... names) {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG + "\",\"size\":2,\"digest\":\"sha256:" + "0".repeat(63) + seed.length()
                + "\"},\"layers\":[]," + (subject == null ? "" : "\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                + "\",\"size\":1,\"digest\":\"" + subject + "\"},") + "\"annotations\":{\"seed\":\"" + seed + "\"}}";
        ManifestDocument root = ManifestDocument.parse(json.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST, seed);
        return new SourceImage(List.of(names), root, List.of());
    }

    private static List<String> targets(List<PushJob> jobs) {
        return jobs.stream().flatMap(j -> j.targets().stream()).map(ImageReference::toString).toList();
    }

    @Test
    void to_rehomesEveryImage_keepingPathAndTag() {
        List<PushJob> jobs = Targets.jobs(List.of(image("a", "alpine:3.14"), image("b", "quay.io/org/app:1")), null,
                "registry.corp:5000/mirror", List.of(), "bundle.tar");

        assertEquals(List.of("registry.corp:5000/mirror/library/alpine:3.14", "registry.corp:5000/mirror/org/app:1"),
                targets(jobs));
    }

    @Test
    void to_withoutPrefix_andWithATrailingSlash() {
        assertEquals(List.of("10.0.0.1:5000/library/alpine:3.14"), targets(Targets.jobs(List.of(image("a", "alpine:3.14")),
                null, "10.0.0.1:5000/", List.of(), "x")));
    }

    @Test
    void withoutTargetOrTo_everySavedNameIsATarget() {
        List<PushJob> jobs = Targets.jobs(List.of(image("a", "host:5000/a:1", "host:5000/a:2")), null, null, List.of(), "x");

        assertEquals(List.of("host:5000/a:1", "host:5000/a:2"), targets(jobs));
    }

    @Test
    void aSavedNameThatIsNoReference_isLeftOut_andWarnedAbout() {
        SourceImage image = image("a", "host:5000/a:1", "host:5000/a:\u001b[2J\nx", "just-a-tag");
        List<PushJob> jobs = Targets.jobs(List.of(image), null, null, List.of(), "x.tar");

        assertEquals(List.of("host:5000/a:1"), targets(jobs));
        assertEquals(List.of("x.tar: image " + image.root().digest() + " is also named 'host:5000/a: [2J x', which is "
                + "not a valid reference: not pushed there"), Targets.unusableNames(jobs, "x.tar"));
    }

    @Test
    void image_byNameAndTheImagesOwnDigest_picksIt_evenWhenSavedUnderATag() {
        SourceImage a = image("a", "host:5000/app:1");
        SourceImage b = image("bb", "host:5000/app:2");
        List<PushJob> jobs = Targets.jobs(List.of(a, b), null, null, List.of("host:5000/app@" + b.root().digest()), "x");

        assertEquals(List.of("host:5000/app:2"), targets(jobs));
    }

    @Test
    void target_withSeveralImages_isAUsageErrorNamingThem() {
        Targets.Usage e = assertThrows(Targets.Usage.class, () -> Targets.jobs(List.of(image("a", "h:1/a:1"),
                image("b", "h:1/b:1")), "h:2/x:1", null, List.of(), "two.tar"));

        assertTrue(e.getMessage().contains("two.tar holds 2 images") && e.getMessage().contains("h:1/a:1")
                && e.getMessage().contains("h:1/b:1"), e.getMessage());
    }

    @Test
    void image_picksOneByName_forTarget() {
        List<PushJob> jobs = Targets.jobs(List.of(image("a", "alpine:3.14"), image("b", "nginx:1")), "h:2/x:1", null,
                List.of("docker.io/library/nginx:1"), "x");

        assertEquals(List.of("h:2/x:1"), targets(jobs));
        assertEquals(List.of("nginx:1"), jobs.get(0).image().names());
    }

    @Test
    void unknownImage_targetAndToTogether_digestTarget_namelessImage_areUsageErrors() {
        List<SourceImage> one = List.of(image("a", "alpine:3.14"));
        assertTrue(assertThrows(Targets.Usage.class, () -> Targets.jobs(one, null, null, List.of("busybox"), "x"))
                .getMessage().contains("no image named 'busybox'"));
        assertThrows(Targets.Usage.class, () -> Targets.jobs(one, "h:1/a:1", "h:1", List.of(), "x"));
        assertTrue(assertThrows(Targets.Usage.class, () -> Targets.jobs(one, "h:1/a@sha256:" + "a".repeat(64), null,
                List.of(), "x")).getMessage().contains("names a digest"));
        assertTrue(assertThrows(Targets.Usage.class, () -> Targets.jobs(List.of(image("c", "v1")), null, "h:1", List.of(), "x"))
                .getMessage().contains("no name to push it under"));
        assertTrue(assertThrows(Targets.Usage.class, () -> Targets.jobs(one, null, "h:1/UPPER", List.of(), "x"))
                .getMessage().contains("--to"));
    }

    @Test
    void signaturesAndTheReferrersTag_followTheirImage_afterIt() {
        SourceImage app = image("app", "h:1/team/app:1");
        String hex = app.root().digest().hex();
        SourceImage signature = image("sig", "h:1/team/app:sha256-" + hex + ".sig");
        SourceImage referrers = image("ref", "h:1/team/app:sha256-" + hex);
        SourceImage stray = image("stray", "h:1/team/app:sha256-" + "f".repeat(64) + ".sig");

        List<PushJob> jobs = Targets.jobs(List.of(signature, app, referrers, stray), "h:2/moved/app:2", null, List.of(), "x");

        assertEquals(List.of("h:2/moved/app:2", "h:2/moved/app:sha256-" + hex + ".sig", "h:2/moved/app:sha256-" + hex),
                targets(jobs));
    }

    @Test
    void aSignatureOfAnSbom_andReferrersFoundOnlyThroughTheApi_followTheirImageToo() {
        SourceImage app = image("app", "h:1/team/app:1");
        SourceImage sbom = referrer("sbom", app.root().digest().toString());
        SourceImage sbomSignature = image("sbom-sig", "h:1/team/app:sha256-" + sbom.root().digest().hex() + ".sig");

        List<PushJob> jobs = Targets.jobs(List.of(sbomSignature, sbom, app), null, "h:2/m", List.of(), "x");

        assertEquals(List.of("h:2/m/team/app:1", "h:2/m/team/app@" + sbom.root().digest(),
                "h:2/m/team/app:sha256-" + sbom.root().digest().hex() + ".sig"), targets(jobs));
    }
}
