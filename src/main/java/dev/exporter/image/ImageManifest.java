package dev.exporter.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.reference.Digest;

import java.util.List;

/** A single-platform image manifest (Docker v2 schema 2 or OCI). */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers, byte[] raw, Digest digest)
        implements ManifestDocument {

    /** A Docker v2 schema 2 manifest naming {@code config} and {@code layers}, as docker writes one. */
    public static ImageManifest dockerV2(Descriptor config, List<Descriptor> layers, String what) {
        ObjectNode root = Json.object();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        descriptor(root.putObject("config"), config);
        ArrayNode layerNodes = root.putArray("layers");
        layers.forEach(layer -> descriptor(layerNodes.addObject(), layer));
        return (ImageManifest) ManifestDocument.parse(Json.write(root), MediaTypes.DOCKER_MANIFEST, what);
    }

    private static void descriptor(ObjectNode node, Descriptor descriptor) {
        node.put("mediaType", descriptor.mediaType());
        node.put("size", descriptor.size());
        node.put("digest", descriptor.digest().toString());
    }

    /** Sum of the compressed layer sizes plus the config. */
    public long totalSize() {
        return config.size() + layers.stream().mapToLong(Descriptor::size).sum();
    }
}
