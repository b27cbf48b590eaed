package dev.exporter.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.ManifestPusher;
import dev.exporter.registry.RawManifestPuller;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryException;

/**
 * The referrers fallback tag, kept as the distribution spec tells clients to when a registry has no referrers API
 * (it answers a manifest with a {@code subject} without {@code OCI-Subject}): the index tagged
 * {@code sha256-<subject hex>} lists every manifest whose subject that is. Pushing a referrer reads that index (or
 * starts an empty one), adds the referrer's descriptor unless it is there, and pushes it back.
 */
final class FallbackTag {

    private FallbackTag() {
    }

    /** The subject digest of {@code document}, or null when it has none. */
    static Digest subject(ManifestDocument document) {
        try {
            String digest = Json.parse(document.raw(), "manifest " + document.digest()).path("subject").path("digest")
                    .asText(null);
            return digest == null || digest.isEmpty() ? null : Digest.parse(digest);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Lists {@code referrer} in {@code repository}'s fallback index for {@code subject}. */
    static void add(RegistryClient client, ImageReference repository, ManifestDocument referrer, Digest subject) {
        ImageReference tag = new ImageReference(repository.registry(), repository.repository(),
                subject.algorithm() + "-" + subject.hex(), null);
        ObjectNode index;
        try {
            JsonNode existing = Json.parse(client.call(tag, new RawManifestPuller(tag)).raw(), "fallback index " + tag);
            index = existing instanceof ObjectNode o && existing.path("manifests").isArray() ? o : emptyIndex();
        } catch (RegistryException e) {
            if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                throw e;
            }
            index = emptyIndex();
        }
        ArrayNode manifests = (ArrayNode) index.get("manifests");
        for (JsonNode entry : manifests) {
            if (referrer.digest().toString().equals(entry.path("digest").asText())) {
                return;
            }
        }
        JsonNode own = Json.parse(referrer.raw(), "manifest " + referrer.digest());
        ObjectNode descriptor = manifests.addObject();
        descriptor.put("mediaType", referrer.mediaType());
        descriptor.put("digest", referrer.digest().toString());
        descriptor.put("size", referrer.raw().length);
        String artifactType = own.path("artifactType").asText(own.path("config").path("mediaType").asText(null));
        if (artifactType != null && !artifactType.isEmpty()) {
            descriptor.put("artifactType", artifactType);
        }
        if (own.path("annotations").isObject()) {
            descriptor.set("annotations", own.get("annotations"));
        }
        client.call(tag, new ManifestPusher(tag, tag.tag(), Json.write(index), MediaTypes.OCI_INDEX));
    }

    private static ObjectNode emptyIndex() {
        ObjectNode index = Json.object();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.putArray("manifests");
        return index;
    }
}
