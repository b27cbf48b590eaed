package dev.exporter.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A multi-platform image: Docker manifest list or OCI image index over {@link #children()}, in
 * the order given. Create with {@link #of}.
 */
public record TestIndex(ImageFormat format, List<TestImage> children, byte[] manifestBytes) implements TestArtifact {

    public TestIndex {
        children = List.copyOf(children);
    }

    /** Builds the index manifest; all children must have {@code format}. */
    public static TestIndex of(ImageFormat format, List<TestImage> children) {
        ObjectNode index = ImageBuilder.JSON.createObjectNode()
                .put("schemaVersion", 2)
                .put("mediaType", format.indexMediaType());
        ArrayNode manifests = index.putArray("manifests");
        for (TestImage child : children) {
            if (child.format() != format) {
                throw new IllegalArgumentException("child " + child.platform() + " is " + child.format() + ", not " + format);
            }
            ObjectNode platform = ImageBuilder.descriptor(manifests.addObject(),
                            child.mediaType(), child.manifestBytes())
                    .putObject("platform")
                    .put("architecture", child.platform().architecture())
                    .put("os", child.platform().os());
            if (child.platform().variant() != null) {
                platform.put("variant", child.platform().variant());
            }
        }
        return new TestIndex(format, children, ImageBuilder.writeJson(index));
    }

    @Override
    public String mediaType() {
        return format.indexMediaType();
    }

    /** The child for {@code platform} (e.g. {@code linux/arm64/v8}). */
    public TestImage child(String platform) {
        return children.stream().filter(c -> c.platform().toString().equals(platform)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no child for " + platform));
    }

    @Override
    public Map<String, byte[]> blobs() {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        children.forEach(child -> blobs.putAll(child.blobs()));
        return blobs;
    }
}
