package dev.exporter.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Referrers as signing and SBOM tools push them, for tests: cosign's signature manifests (the {@code .sig} tag's),
 * OCI 1.1 artifact manifests with {@code artifactType} and {@code subject}, and the referrer index that registries
 * without the referrers API keep under the {@code sha256-<hex>} tag. Deterministic for equal arguments.
 *
 * @param blobs config and layers by digest
 */
public record TestReferrer(String mediaType, String artifactType, byte[] manifestBytes, Map<String, byte[]> blobs) {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String EMPTY = "application/vnd.oci.empty.v1+json";
    public static final String SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
    public static final String SPDX = "application/spdx+json";

    public String digest() {
        return Digests.sha256(manifestBytes);
    }

    /** {@code sha256-<hex>} for a digest, the tag schema of fallback indexes and cosign. */
    public static String tagFor(String digest) {
        return digest.replace(':', '-');
    }

    /**
     * A cosign signature manifest of {@code signedDigest}: a simple-signing payload layer with the signature in its
     * {@code dev.cosignproject.cosign/signature} annotation, and cosign's image config whose diff id is the payload's.
     */
    public static TestReferrer cosignSignature(String signedDigest, String identity) {
        byte[] payload = ("{\"critical\":{\"identity\":{\"docker-reference\":\"" + identity + "\"},\"image\":"
                + "{\"docker-manifest-digest\":\"" + signedDigest + "\"},\"type\":\"cosign container image signature\"},"
                + "\"optional\":null}").getBytes(StandardCharsets.UTF_8);
        byte[] config = ("{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"history\":[{\"created\":"
                + "\"0001-01-01T00:00:00Z\"}],\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digests.sha256(payload) + "\"]},\"config\":{}}").getBytes(StandardCharsets.UTF_8);
        ObjectNode manifest = ImageBuilder.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_MANIFEST);
        ImageBuilder.descriptor(manifest.putObject("config"), "application/vnd.oci.image.config.v1+json", config);
        ObjectNode layer = ImageBuilder.descriptor(manifest.putArray("layers").addObject(), SIMPLE_SIGNING, payload);
        layer.putObject("annotations").put("dev.cosignproject.cosign/signature",
                Base64.getEncoder().encodeToString(("signature of " + signedDigest).getBytes(StandardCharsets.UTF_8)));
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(Digests.sha256(config), config);
        blobs.put(Digests.sha256(payload), payload);
        return new TestReferrer(OCI_MANIFEST, null, ImageBuilder.writeJson(manifest), blobs);
    }

    /** An SPDX SBOM as an OCI 1.1 artifact of the manifest {@code subject}: empty config, {@code artifactType}. */
    public static TestReferrer sbom(String subjectMediaType, byte[] subject, String name) {
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] document = ("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"" + name + "\",\"packages\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        ObjectNode manifest = ImageBuilder.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_MANIFEST)
                .put("artifactType", SPDX);
        ImageBuilder.descriptor(manifest.putObject("config"), EMPTY, empty);
        ImageBuilder.descriptor(manifest.putArray("layers").addObject(), SPDX, document);
        ImageBuilder.descriptor(manifest.putObject("subject"), subjectMediaType, subject);
        manifest.putObject("annotations").put("org.opencontainers.image.created", "2024-01-01T00:00:00Z");
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(Digests.sha256(empty), empty);
        blobs.put(Digests.sha256(document), document);
        return new TestReferrer(OCI_MANIFEST, SPDX, ImageBuilder.writeJson(manifest), blobs);
    }

    /** The referrer index of the distribution spec's fallback tag, listing {@code referrers}. */
    public static byte[] index(List<TestReferrer> referrers) {
        ObjectNode index = ImageBuilder.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (TestReferrer referrer : referrers) {
            ObjectNode entry = ImageBuilder.descriptor(manifests.addObject(), referrer.mediaType(), referrer.manifestBytes());
            if (referrer.artifactType() != null) {
                entry.put("artifactType", referrer.artifactType());
            }
        }
        return ImageBuilder.writeJson(index);
    }

    /** Pushes the blobs, then the manifest under {@code reference} (a tag, or its digest); returns its digest. */
    public String push(RegistryPusher pusher, String repository, String reference) {
        blobs.values().forEach(blob -> pusher.pushBlob(repository, blob));
        return pusher.pushManifest(repository, reference, mediaType, manifestBytes);
    }
}
