package dev.exporter.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.reference.Digest;
import dev.exporter.reference.Platform;

import java.util.ArrayList;
import java.util.List;

/** An image config blob: the bytes as served (their digest is the image id) and the fields we use. */
public record ImageConfig(byte[] raw, Digest digest, ObjectNode json, List<Digest> diffIds) {

    /** Largest config read from anywhere: configs are small JSON documents, and anything near this is hostile. */
    public static final int MAX_SIZE = 64 * 1024 * 1024;

    public static ImageConfig parse(byte[] raw, Digest digest, String what) {
        JsonNode root = Json.parse(raw, what);
        if (!(root instanceof ObjectNode object)) {
            throw new ManifestException(what + ": config is not a JSON object");
        }
        JsonNode ids = root.path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            throw new ManifestException(what + ": missing rootfs.diff_ids");
        }
        List<Digest> diffIds = new ArrayList<>();
        for (JsonNode id : ids) {
            try {
                diffIds.add(Digest.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw new ManifestException(what + ": rootfs.diff_ids: " + e.getMessage());
            }
        }
        return new ImageConfig(raw, digest, object, List.copyOf(diffIds));
    }

    public String os() {
        return Json.text(json, "os");
    }

    public String created() {
        return Json.text(json, "created");
    }

    public Platform platform() {
        String os = os();
        String arch = Json.text(json, "architecture");
        return os == null || arch == null ? null : Platform.normalize(os, arch, Json.text(json, "variant"));
    }
}
