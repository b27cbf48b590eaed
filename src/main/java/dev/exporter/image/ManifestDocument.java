package dev.exporter.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.reference.Digest;
import dev.exporter.reference.Platform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A manifest or index exactly as the registry served it, with its digest and parsed content. */
public sealed interface ManifestDocument permits ImageManifest, ImageIndex {

    /** Largest manifest we accept, the same cap as the distribution registry. */
    int MAX_SIZE = 4 * 1024 * 1024;

    String mediaType();

    /** The bytes as served; their sha256 is {@link #digest()}. */
    byte[] raw();

    Digest digest();

    /**
     * Parses a manifest or index. The body's own {@code mediaType} wins over the HTTP {@code Content-Type};
     * without either, the shape decides (OCI allows omitting it).
     */
    static ManifestDocument parse(byte[] raw, String contentType, String what) {
        JsonNode root = Json.parse(raw, what);
        if (!root.isObject()) {
            throw new ManifestException(what + ": manifest is not a JSON object");
        }
        String mediaType = Json.text(root, "mediaType");
        if (mediaType == null && contentType != null) {
            String ct = contentType.split(";", 2)[0].trim();
            if (MediaTypes.isIndex(ct) || MediaTypes.isImageManifest(ct) || MediaTypes.isSchema1(ct)) {
                mediaType = ct;
            }
        }
        int schemaVersion = root.path("schemaVersion").asInt(-1);
        if (schemaVersion == 1 || (mediaType != null && MediaTypes.isSchema1(mediaType))) {
            throw new ManifestException(what + ": Docker image manifest schema 1 is not supported (deprecated since 2017; re-push the image with a current client)");
        }
        if (schemaVersion != 2) {
            throw new ManifestException(what + ": unsupported manifest schemaVersion " + root.path("schemaVersion"));
        }
        if (mediaType == null) {
            mediaType = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        Digest digest = Digest.sha256Of(raw);
        if (MediaTypes.isIndex(mediaType)) {
            List<Descriptor> manifests = new ArrayList<>();
            for (JsonNode entry : array(root, "manifests", what)) {
                manifests.add(descriptor(entry, what + " entry"));
            }
            return new ImageIndex(mediaType, List.copyOf(manifests), raw, digest);
        }
        if (MediaTypes.isImageManifest(mediaType)) {
            Descriptor config = descriptor(required(root, "config", what), what + " config");
            List<Descriptor> layers = new ArrayList<>();
            for (JsonNode entry : array(root, "layers", what)) {
                // Layer media types are checked where layers are unpacked: OCI copies keep artifacts verbatim.
                layers.add(descriptor(entry, what + " layer"));
            }
            return new ImageManifest(mediaType, config, List.copyOf(layers), raw, digest);
        }
        throw new ManifestException(what + ": unsupported manifest media type '" + mediaType + "'");
    }

    private static JsonNode required(JsonNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new ManifestException(what + ": missing '" + field + "'");
        }
        return value;
    }

    private static JsonNode array(JsonNode node, String field, String what) {
        JsonNode value = required(node, field, what);
        if (!value.isArray()) {
            throw new ManifestException(what + ": '" + field + "' is not an array");
        }
        return value;
    }

    private static Descriptor descriptor(JsonNode node, String what) {
        if (!node.isObject()) {
            throw new ManifestException(what + ": descriptor is not an object");
        }
        String mediaType = Json.text(node, "mediaType");
        if (mediaType == null || mediaType.isBlank()) {
            throw new ManifestException(what + ": missing mediaType");
        }
        Digest digest;
        try {
            digest = Digest.parse(Json.text(node, "digest"));
        } catch (IllegalArgumentException e) {
            throw new ManifestException(what + ": " + e.getMessage());
        }
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw new ManifestException(what + " " + digest + ": missing or invalid size");
        }
        Platform platform = null;
        JsonNode p = node.get("platform");
        if (p != null && p.isObject()) {
            String os = Json.text(p, "os");
            String arch = Json.text(p, "architecture");
            if (os != null && !os.isEmpty() && arch != null && !arch.isEmpty()) {
                platform = new Platform(os, arch, Json.text(p, "variant"));
            }
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        node.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        List<String> urls = new ArrayList<>();
        node.path("urls").forEach(u -> urls.add(u.asText()));
        return new Descriptor(mediaType, digest, size.asLong(), platform, annotations, urls);
    }
}
